//! Case and diacritic folding for search (M2): lowercase, strip the accents of common Latin
//! letters (Latin-1 Supplement and Latin Extended-A, plus combining marks), expand ligatures
//! (`ß` → `ss`, `æ` → `ae`, `œ` → `oe`), then split into words on anything that is not a letter or
//! a digit. Scripts without spaces (e.g. Japanese) stay one word per run, matched by prefix.

/// Appends the folded form of `text` to `out`.
pub(crate) fn fold_into(text: &str, out: &mut String) {
    fold_chars_into(text.chars(), out);
}

/// Appends the folded form of `chars` to `out`.
pub(crate) fn fold_chars_into(chars: impl Iterator<Item = char>, out: &mut String) {
    for c in chars {
        for lower in c.to_lowercase() {
            match strip(lower) {
                Stripped::Char(c) => out.push(c),
                Stripped::Str(s) => out.push_str(s),
                Stripped::Drop => {}
            }
        }
    }
}

/// The folded form of `text`.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// The folded words of `text`, in order.
pub(crate) fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// The folded words of `text` joined by single spaces (for whole-phrase comparison).
pub(crate) fn normalise(text: &str) -> String {
    words(&fold(text)).collect::<Vec<_>>().join(" ")
}

enum Stripped {
    Char(char),
    Str(&'static str),
    Drop,
}

fn strip(c: char) -> Stripped {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' | 'ð' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'ß' => return Stripped::Str("ss"),
        'æ' => return Stripped::Str("ae"),
        'œ' => return Stripped::Str("oe"),
        'þ' => return Stripped::Str("th"),
        // Combining diacritical marks, as in decomposed (NFD) input.
        '\u{0300}'..='\u{036f}' => return Stripped::Drop,
        other => other,
    };
    Stripped::Char(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_ligatures() {
        assert_eq!(fold("Émile Zoë Straße ÆON Œuvre"), "emile zoe strasse aeon oeuvre");
        assert_eq!(fold("Cafe\u{301}"), "cafe", "decomposed accents are dropped");
        assert_eq!(fold("Łódź Ångström"), "lodz angstrom");
        assert_eq!(normalise("  Zoho — CRM/Sync!  "), "zoho crm sync");
        assert_eq!(words("営業 ツール").collect::<Vec<_>>(), ["営業", "ツール"]);
    }
}
