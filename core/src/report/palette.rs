//! The report's colours, in one place, with the contrast rule they keep (WCAG 2.x): text at least
//! 4.5:1 against the page, chart marks (bars, lines, markers, hatching) at least 3:1 against the
//! chart's background. The unit tests check every constant against its rule.

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#RRGGBB`, upper case (as the SVG backend writes colours).
    #[must_use]
    pub fn hex(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }

    /// WCAG relative luminance, 0 (black) to 1 (white).
    #[must_use]
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG contrast ratio between two colours, 1 to 21.
    #[must_use]
    pub fn contrast(self, other: Self) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a >= b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }

    pub(crate) fn plotters(self) -> plotters::style::RGBColor {
        plotters::style::RGBColor(self.0, self.1, self.2)
    }
}

/// The page's and the charts' background.
pub const BACKGROUND: Rgb = Rgb(0xFF, 0xFF, 0xFF);
/// Body text.
pub const TEXT: Rgb = Rgb(0x1F, 0x29, 0x33);
/// Secondary text (captions, axis labels).
pub const MUTED_TEXT: Rgb = Rgb(0x4B, 0x55, 0x63);
/// Warnings in text (needs attention, flags, the forecast).
pub const ALERT_TEXT: Rgb = Rgb(0xA4, 0x1B, 0x1B);
/// Links and headings' accent.
pub const ACCENT_TEXT: Rgb = Rgb(0x1D, 0x4E, 0xD8);

/// Records created (a mark).
pub const CREATED: Rgb = Rgb(0x00, 0x72, 0xB2);
/// Records updated (a mark).
pub const UPDATED: Rgb = Rgb(0x00, 0x7A, 0x5A);
/// Records deleted (a mark).
pub const DELETED: Rgb = Rgb(0xC2, 0x41, 0x0C);
/// Records merged (a mark).
pub const MERGED: Rgb = Rgb(0x8E, 0x3B, 0x8E);
/// A flagged day's marker and outline (a mark).
pub const FLAG: Rgb = Rgb(0xB0, 0x00, 0x20);
/// API calls of a complete day (a mark).
pub const CALLS: Rgb = Rgb(0x00, 0x72, 0xB2);
/// Today's calls so far (a mark).
pub const CALLS_TODAY: Rgb = Rgb(0x5B, 0x21, 0xB6);
/// The daily limit line (a mark).
pub const LIMIT: Rgb = Rgb(0xB0, 0x00, 0x20);
/// The hatching of a day without data (a mark).
pub const UNAVAILABLE_HATCH: Rgb = Rgb(0x6B, 0x72, 0x80);
/// Axis lines (a mark).
pub const AXIS: Rgb = Rgb(0x6B, 0x72, 0x80);

/// The slot behind one available day (a background, one per day: the chart's day groups).
pub const DAY_SLOT: Rgb = Rgb(0xF3, 0xF4, 0xF6);
/// The slot behind one unavailable day, under its hatching (a background).
pub const UNAVAILABLE_SLOT: Rgb = Rgb(0xE5, 0xE7, 0xEB);
/// Light grid lines (a background).
pub const GRID: Rgb = Rgb(0xE5, 0xE7, 0xEB);

/// Colours of text, each needing 4.5:1 against [`BACKGROUND`].
pub const TEXT_COLOURS: [(&str, Rgb); 4] =
    [("text", TEXT), ("muted text", MUTED_TEXT), ("alert text", ALERT_TEXT), ("accent text", ACCENT_TEXT)];

/// Colours of chart marks, each needing 3:1 against [`BACKGROUND`] and the day slots they sit on.
pub const MARK_COLOURS: [(&str, Rgb); 10] = [
    ("created", CREATED),
    ("updated", UPDATED),
    ("deleted", DELETED),
    ("merged", MERGED),
    ("flag", FLAG),
    ("calls", CALLS),
    ("calls today", CALLS_TODAY),
    ("limit", LIMIT),
    ("unavailable hatch", UNAVAILABLE_HATCH),
    ("axis", AXIS),
];

/// The smallest contrast for text (WCAG AA, normal text).
pub const MIN_TEXT_CONTRAST: f64 = 4.5;
/// The smallest contrast for graphical objects (WCAG 1.4.11).
pub const MIN_MARK_CONTRAST: f64 = 3.0;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_the_wcag_reference_values() {
        // Black on white is 21:1, white on white 1:1, and #767676 the well-known 4.54:1 grey.
        assert!((Rgb(0, 0, 0).contrast(BACKGROUND) - 21.0).abs() < 1e-9);
        assert!((BACKGROUND.contrast(BACKGROUND) - 1.0).abs() < 1e-9);
        let grey = Rgb(0x76, 0x76, 0x76).contrast(BACKGROUND);
        assert!((grey - 4.54).abs() < 0.01, "{grey}");
        // The rule is symmetric.
        assert!((TEXT.contrast(BACKGROUND) - BACKGROUND.contrast(TEXT)).abs() < 1e-12);
    }

    #[test]
    fn every_text_colour_reaches_4_5_to_1_on_the_page() {
        for (name, colour) in TEXT_COLOURS {
            let ratio = colour.contrast(BACKGROUND);
            assert!(ratio >= MIN_TEXT_CONTRAST, "{name} {} has {ratio:.2}:1", colour.hex());
        }
    }

    #[test]
    fn every_mark_colour_reaches_3_to_1_on_the_chart_and_its_day_slots() {
        for (name, colour) in MARK_COLOURS {
            for (under, background) in [("page", BACKGROUND), ("day slot", DAY_SLOT), ("unavailable", UNAVAILABLE_SLOT)]
            {
                let ratio = colour.contrast(background);
                assert!(ratio >= MIN_MARK_CONTRAST, "{name} {} on {under} has {ratio:.2}:1", colour.hex());
            }
        }
    }

    #[test]
    fn a_colour_just_under_the_bounds_is_refused_by_the_rule() {
        // #777777 is 4.48:1: not enough for text; #959595 is 2.96:1: not enough for a mark.
        assert!(Rgb(0x77, 0x77, 0x77).contrast(BACKGROUND) < MIN_TEXT_CONTRAST);
        assert!(Rgb(0x76, 0x76, 0x76).contrast(BACKGROUND) >= MIN_TEXT_CONTRAST);
        assert!(Rgb(0x95, 0x95, 0x95).contrast(BACKGROUND) < MIN_MARK_CONTRAST);
        assert!(Rgb(0x94, 0x94, 0x94).contrast(BACKGROUND) >= MIN_MARK_CONTRAST);
    }

    #[test]
    fn the_chart_colours_are_told_apart_by_hex() {
        assert_eq!(CREATED.hex(), "#0072B2");
        let mut actions: Vec<String> = [CREATED, UPDATED, DELETED, MERGED].iter().map(|c| c.hex()).collect();
        actions.dedup();
        assert_eq!(actions.len(), 4);
        assert_ne!(DAY_SLOT, UNAVAILABLE_SLOT);
    }
}
