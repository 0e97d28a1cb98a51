//! The page: a `maud` template over a [`ReportModel`], with the charts of [`super::charts`]
//! inline. No script, no external resource: the CSS is in a `<style>` element.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::ReportError;
use super::charts::{Caption, action_colour, records_chart, usage_chart};
use super::model::{AppRecords, RecordsSection, ReportModel};
use super::palette::{
    ACCENT_TEXT, ALERT_TEXT, BACKGROUND, CALLS, CALLS_TODAY, DAY_SLOT, FLAG, GRID, LIMIT, MUTED_TEXT, Rgb, TEXT,
    UNAVAILABLE_HATCH, UNAVAILABLE_SLOT,
};
use crate::insights::{RecordAction, UsageReport};
use crate::views::ConnectionsHome;

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| v.to_string())
}

fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// The stylesheet, from the palette's constants.
fn style() -> String {
    format!(
        "body{{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Liberation Sans',Arial,sans-serif;\
         color:{text};background:{bg};margin:0 auto;max-width:62rem;padding:1rem 1.5rem;line-height:1.45}}\
         h1{{font-size:1.6rem;margin:.2rem 0}}h2{{font-size:1.25rem;margin:1.8rem 0 .5rem;\
         border-bottom:2px solid {grid};padding-bottom:.2rem}}h3{{font-size:1.05rem;margin:1rem 0 .3rem}}\
         .meta,figcaption,.note{{color:{muted}}}.alert{{color:{alert};font-weight:600}}a{{color:{accent}}}\
         table{{border-collapse:collapse;margin:.4rem 0;font-size:.92rem}}\
         th,td{{border-bottom:1px solid {grid};padding:.2rem .6rem;text-align:left}}td.n,th.n{{text-align:right}}\
         dl.summary{{display:flex;flex-wrap:wrap;gap:.4rem 1.6rem;margin:0}}dl.summary div{{min-width:7rem}}\
         dl.summary dt{{color:{muted};font-size:.85rem}}dl.summary dd{{margin:0;font-size:1.4rem;font-weight:600}}\
         figure{{margin:.6rem 0 1.2rem}}figure svg{{width:100%;height:auto;display:block}}\
         .legend{{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;list-style:none;padding:0;margin:.3rem 0}}\
         .swatch{{display:inline-block;width:.9rem;height:.9rem;margin-right:.35rem;vertical-align:-.1rem;\
         border:1px solid {hatch}}}.facets{{display:flex;flex-wrap:wrap;gap:0 2.5rem}}\
         details{{margin:.2rem 0 .6rem}}summary{{cursor:pointer;color:{accent}}}",
        text = TEXT.hex(),
        bg = BACKGROUND.hex(),
        grid = GRID.hex(),
        muted = MUTED_TEXT.hex(),
        alert = ALERT_TEXT.hex(),
        accent = ACCENT_TEXT.hex(),
        hatch = UNAVAILABLE_HATCH.hex(),
    )
}

fn swatch(colour: Rgb, label: &str) -> Markup {
    html! { li { span.swatch style={ "background:" (colour.hex()) } {} (label) } }
}

fn home_sections(home: Option<&ConnectionsHome>) -> Markup {
    let Some(home) = home else {
        return html! {
            section #summary { h2 { "Summary" } p.note { "The account has no active super admin to see the home as." } }
        };
    };
    let s = &home.summary;
    let counts = [
        ("Apps", s.total),
        ("Connected", s.connected),
        ("Disconnected", s.disconnected),
        ("Expired", s.expired),
        ("In error", s.error),
        ("Without status", s.without_status),
        ("Update available", s.update_available),
    ];
    html! {
        section #summary aria-labelledby="summary-h" {
            h2 #summary-h { "Summary" }
            dl.summary { @for (label, count) in counts { div { dt { (label) } dd { (count) } } } }
        }
        section #attention aria-labelledby="attention-h" {
            h2 #attention-h { "Needs attention (" (home.needs_attention.len()) ")" }
            @if home.needs_attention.is_empty() {
                p { "Nothing needs attention." }
            } @else {
                ul {
                    @for item in &home.needs_attention {
                        li {
                            strong { (item.app_name) }
                            @if let Some(user) = &item.user { " (" (user) ")" }
                            ": " span.alert { (item.state) } " since " (day(item.since)) " — " (item.message)
                            @if !item.resolution_steps.is_empty() {
                                ol { @for step in &item.resolution_steps { li { (step) } } }
                            }
                        }
                    }
                }
            }
        }
        section #my-apps aria-labelledby="my-apps-h" {
            h2 #my-apps-h { "My apps (" (home.my_apps.len()) ")" }
            @if home.my_apps.is_empty() {
                p { "No app is installed." }
            } @else {
                table {
                    thead { tr { th { "App" } th { "Provider" } th { "Level" } th { "Status" } th { "Installed" }
                        th { "By" } th { "Last activity" } th { "Update" } } }
                    tbody {
                        @for row in &home.my_apps {
                            tr {
                                td { (row.name) } td { (row.provider) } td { (row.level) } td { (opt(row.status)) }
                                td { (day(row.installed_at)) } td { (opt(row.installed_by.as_ref())) }
                                td { (opt(row.last_activity_at.map(day))) }
                                td { @if row.update_available { "available" } @else { "—" } }
                            }
                        }
                    }
                }
            }
        }
        section #other-apps aria-labelledby="other-apps-h" {
            h2 #other-apps-h { "Other users' apps (" (home.other_users_apps.len()) ")" }
            @if home.other_users_apps.is_empty() {
                p { "No other user has installed an app." }
            } @else {
                table {
                    thead { tr { th { "App" } th.n { "Connections" } th { "Users" } } }
                    tbody {
                        @for row in &home.other_users_apps {
                            tr {
                                td { (row.name) } td.n { (row.connections) }
                                td { (row.users.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(", ")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn short(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn app_records(section: &RecordsSection, app: &AppRecords, index: usize) -> Result<Markup, ReportError> {
    let id = format!("chart-records-{index}");
    let title = format!("{}: records per day by action, last {} days", app.name, section.days.len());
    let unavailable = (0..section.days.len()).filter(|i| !section.available(*i)).count();
    let totals: Vec<String> = app.actions.iter().map(|s| format!("{} {}", s.total, s.action)).collect();
    let desc = format!(
        "{} records from {} to {}: {}. {} flagged day(s){}. {} day(s) without data.",
        app.total,
        section.days.first().map_or_else(String::new, |d| short(*d)),
        section.days.last().map_or_else(String::new, |d| short(*d)),
        totals.join(", "),
        app.flagged_days.len(),
        if app.flagged_days.is_empty() {
            String::new()
        } else {
            format!(" ({})", app.flagged_days.iter().map(|d| short(*d)).collect::<Vec<_>>().join(", "))
        },
        unavailable
    );
    let svg = records_chart(section, app, &Caption { id: &id, title: &title, desc: &desc })?;
    Ok(html! {
        figure.chart data-chart="records" data-app=(app.app) data-days=(section.days.len())
            data-flagged=(app.flagged_days.len()) {
            h3 { (app.name) " — " (app.total) " records" }
            (PreEscaped(svg))
            figcaption { (desc) }
            details {
                summary { "Data table: " (app.name) }
                table {
                    thead { tr { th { "Day" } @for s in &app.actions { th.n { (s.action) } } th { "Flag" } } }
                    tbody {
                        @for (i, d) in section.days.iter().enumerate() {
                            tr {
                                td { (short(*d)) }
                                @for s in &app.actions {
                                    td.n { (s.daily.get(i).copied().flatten().map_or_else(|| "no data".to_owned(), |c| c.to_string())) }
                                }
                                td { @if app.flagged_days.contains(d) { span.alert { "flagged" } } }
                            }
                        }
                    }
                }
            }
        }
    })
}

fn records_section(section: &RecordsSection) -> Result<Markup, ReportError> {
    let charts = section
        .apps
        .iter()
        .enumerate()
        .map(|(i, app)| app_records(section, app, i))
        .collect::<Result<Vec<Markup>, ReportError>>()?;
    Ok(html! {
        section #records aria-labelledby="records-h" {
            h2 #records-h { "Record insights — last " (section.days.len()) " days" }
            p.meta {
                "UTC days " (section.days.first().map_or_else(String::new, |d| short(*d))) " to "
                (section.days.last().map_or_else(String::new, |d| short(*d))) " (today is incomplete and left out). "
                "Days before " (short(section.floor)) " have no data: they are hatched, not zero."
            }
            ul.legend {
                @for action in RecordAction::ALL { (swatch(action_colour(action), action.as_str())) }
                (swatch(UNAVAILABLE_SLOT, "no data (hatched)"))
                (swatch(FLAG, "flagged day (outlined, ▼)"))
            }
            @if section.apps.is_empty() {
                p { "No record events in the window." }
            }
            @for chart in &charts { (chart) }
            @if section.apps_not_charted > 0 {
                p.note { (section.apps_not_charted) " more app(s) with records are not charted (the busiest are)." }
            }
            h3 { "Flagged days (" (section.flags.len()) ")" }
            @if section.flags.is_empty() {
                p { "No app deleted or merged records far beyond its usual volume." }
            } @else {
                ul {
                    @for f in &section.flags {
                        li.alert {
                            (short(f.day)) " — " (f.app) " " (f.action) " " (f.count) " " (f.record_type)
                            span.meta { " (usual " (format!("{:.0}", f.baseline_median)) ", threshold "
                                (format!("{:.0}", f.threshold)) ")" }
                        }
                    }
                }
            }
        }
    })
}

fn forecast(usage: &UsageReport) -> Markup {
    match &usage.forecast {
        Some(f) if f.already_exhausted => html! {
            p.alert { "The daily limit of " (f.limit) " calls is already reached (" (f.calls_so_far) " calls today)." }
        },
        Some(f) => html! {
            p.alert {
                "At the current pace (" (format!("{:.0}", f.calls_per_hour)) " calls/hour) today's calls reach the limit of "
                (f.limit) " at " (stamp(f.exhausts_at)) ", before the reset at " (stamp(usage.resets_at)) "."
            }
        },
        None => html! { p { "At the current pace today's calls stay under the limit." } },
    }
}

fn usage_section(usage: &UsageReport) -> Result<Markup, ReportError> {
    let id = "chart-usage";
    let title = format!("API calls per day against the daily limit, last {} days", usage.days.len());
    let busiest = usage.days.iter().max_by_key(|d| (d.calls, std::cmp::Reverse(d.day)));
    let desc = format!(
        "Today {} calls, {} of the limit of {}. Busiest day {}. {} account spike(s).",
        usage.calls_today,
        percent(usage.share_used),
        usage.limit,
        busiest.map_or_else(|| "none".to_owned(), |d| format!("{} with {} calls", d.day, d.calls)),
        usage.spikes.iter().filter(|s| s.app.is_none()).count()
    );
    let svg = usage_chart(usage, &Caption { id, title: &title, desc: &desc })?;
    let change = usage.trend.change.map_or_else(|| "n/a".to_owned(), |c| format!("{:+.1} %", c * 100.0));
    Ok(html! {
        section #usage aria-labelledby="usage-h" {
            h2 #usage-h { "API calls per day" }
            p.meta {
                "Limit " (usage.limit) " calls/day (" (format!("{:?}", usage.limits.tier)) " tier, "
                (usage.limits.increases) " increase(s)), burst " (usage.limits.burst_per_10s) "/10 s; resets at "
                (stamp(usage.resets_at)) ". Today (" (usage.today) "): " (usage.calls_today) " calls, "
                (percent(usage.share_used)) " of the limit."
            }
            (forecast(usage))
            @for threshold in &usage.thresholds_crossed {
                p.alert { "Today's calls reached " (threshold) " % of the daily limit." }
            }
            ul.legend {
                (swatch(CALLS, "calls (complete day)"))
                (swatch(CALLS_TODAY, "calls today so far"))
                (swatch(LIMIT, "daily limit (line)"))
                (swatch(FLAG, "spike (outlined, ▼)"))
                (swatch(DAY_SLOT, "day"))
            }
            figure.chart data-chart="usage" data-days=(usage.days.len()) {
                (PreEscaped(svg))
                figcaption { (desc) }
                details {
                    summary { "Data table: API calls per day" }
                    table {
                        thead { tr { th { "Day" } th.n { "Calls" } th.n { "Limit" } th.n { "Share" } th.n { "7-day average" } } }
                        tbody {
                            @for d in &usage.days {
                                tr {
                                    td { (d.day) } td.n { (d.calls) } td.n { (d.limit) } td.n { (percent(d.share_of_limit)) }
                                    td.n { (d.moving_average_7d.map_or_else(|| "—".to_owned(), |m| format!("{m:.0}"))) }
                                }
                            }
                        }
                    }
                }
            }
            p { "Trend: last 7 complete days " (usage.trend.last_7_days) " calls against " (usage.trend.previous_7_days)
                " the 7 before (" (change) ")." }
            @if !usage.spikes.is_empty() {
                h3 { "Spikes (" (usage.spikes.len()) ")" }
                ul {
                    @for s in &usage.spikes {
                        li { (s.day) " — " (s.app.as_ref().map_or("account", |a| a.as_str())) " " (s.calls) " calls"
                            span.meta { " (usual " (format!("{:.0}", s.baseline_median)) ", threshold "
                                (format!("{:.0}", s.threshold)) ")" } }
                    }
                }
            }
        }
    })
}

fn activity_section(model: &ReportModel) -> Markup {
    let activity = &model.activity;
    let facets = &activity.facets;
    html! {
        section #activity aria-labelledby="activity-h" {
            h2 #activity-h { "Activity log" }
            p.meta { (facets.total) " events up to " (stamp(model.as_of)) "; the last " (activity.events.len()) ", newest first." }
            @if activity.events.is_empty() {
                p { "No activity yet." }
            } @else {
                table {
                    thead { tr { th { "When" } th { "Activity" } th { "App" } th { "User" } th { "By" } } }
                    tbody {
                        @for e in &activity.events {
                            tr {
                                td { (stamp(e.at)) } td { (e.kind.activity_type()) } td { (e.app) }
                                td { (opt(e.user.as_ref())) } td { (e.actor.as_ref().map_or("system", |a| a.as_str())) }
                            }
                        }
                    }
                }
            }
            div.facets {
                div { h3 { "By type" } ul { @for f in &facets.by_type { li { (f.value) " " (f.count) } } } }
                div { h3 { "By user" } ul {
                    @for f in &facets.by_user { li { (f.value) " " (f.count) } }
                    @if facets.system > 0 { li { "system " (facets.system) } }
                } }
                div { h3 { "By app" } ul { @for f in &facets.by_app { li { (f.value) " " (f.count) } } } }
            }
        }
    }
}

/// The report's HTML page for `model`: one self-contained file (inline CSS and SVG, no script, no
/// external resource), byte-identical for the same model.
///
/// # Errors
/// [`ReportError::Chart`] when a chart cannot be drawn (no model [`ReportModel::build`] returns).
pub fn render_html(model: &ReportModel) -> Result<String, ReportError> {
    let records = records_section(&model.records)?;
    let usage = usage_section(&model.usage)?;
    let viewer = model.home.as_ref().map(|h| h.viewer.as_str());
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Connected apps — " (model.account.name) }
                style { (PreEscaped(style())) }
            }
            body {
                header {
                    h1 { "Connected apps — " (model.account.name) }
                    p.meta {
                        "Account " (model.account.id) " (" (model.account.time_zone) ") as of " (stamp(model.as_of))
                        @if let Some(viewer) = viewer { ", seen by " (viewer) }
                    }
                }
                main {
                    (home_sections(model.home.as_ref()))
                    (records)
                    (usage)
                    (activity_section(model))
                }
                footer.note {
                    p { "Generated by connected-apps " (env!("CARGO_PKG_VERSION"))
                        ": a self-contained page (no script, no network)." }
                }
            }
        }
    };
    Ok(page.into_string())
}
