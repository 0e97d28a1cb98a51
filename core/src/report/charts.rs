//! The report's charts: SVG drawn with `plotters`, made accessible (`role="img"`, `<title>`,
//! `<desc>`). Every day of a window is one group whose slot is drawn first: [`palette::DAY_SLOT`]
//! for a day with data, [`palette::UNAVAILABLE_SLOT`] under grey hatching for a day without.

use maud::html;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::ReportError;
use super::model::{AppRecords, RecordsSection};
use super::palette::{
    self, AXIS, BACKGROUND, CALLS, CALLS_TODAY, DAY_SLOT, FLAG, GRID, LIMIT, MUTED_TEXT, Rgb, UNAVAILABLE_HATCH,
    UNAVAILABLE_SLOT,
};
use crate::insights::{RecordAction, UsageReport};

/// A chart over day positions (x) and counts (y).
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

const WIDTH: u32 = 760;
const HEIGHT: u32 = 260;
const FONT: &str = "sans-serif";

/// The colour of an action's segments.
#[must_use]
pub fn action_colour(action: RecordAction) -> Rgb {
    match action {
        RecordAction::Created => palette::CREATED,
        RecordAction::Updated => palette::UPDATED,
        RecordAction::Deleted => palette::DELETED,
        RecordAction::Merged => palette::MERGED,
    }
}

/// What a chart says about itself to assistive technology.
pub struct Caption<'a> {
    /// Unique within the page (the ids of the title and description derive from it).
    pub id: &'a str,
    /// The `<title>`.
    pub title: &'a str,
    /// The `<desc>`: the data in one or two sentences.
    pub desc: &'a str,
}

fn chart_error(caption: &Caption<'_>, error: impl std::fmt::Display) -> ReportError {
    ReportError::Chart { chart: caption.title.to_owned(), message: error.to_string() }
}

/// Adds `role="img"`, `aria-labelledby`, `<title>` and `<desc>` to the SVG `plotters` wrote.
fn accessible(svg: &str, caption: &Caption<'_>) -> Result<String, ReportError> {
    let open_end =
        svg.find('>').filter(|_| svg.starts_with("<svg")).ok_or_else(|| chart_error(caption, "no svg root"))?;
    let (open, rest) = svg.split_at(open_end);
    let labels = html! {
        title id={ (caption.id) "-title" } { (caption.title) }
        desc id={ (caption.id) "-desc" } { (caption.desc) }
    };
    // The id is the report's own (`chart-…`), never the host's text.
    let attributes = format!(" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"", id = caption.id);
    let rest = rest.strip_prefix('>').unwrap_or(rest);
    Ok(format!("{open}{attributes}>{}{rest}", labels.into_string()))
}

/// The day slot, and the hatching of a day without data.
fn day_slot<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    index: f64,
    top: f64,
    available: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (left, right) = (index + 0.06, index + 0.94);
    let slot = if available { DAY_SLOT } else { UNAVAILABLE_SLOT };
    chart.draw_series(std::iter::once(Rectangle::new([(left, 0.0), (right, top)], slot.plotters().filled())))?;
    if !available {
        // A zigzag of four strokes from the bottom to the top of the slot.
        let points: Vec<(f64, f64)> =
            (0..=4).map(|k| (if k % 2 == 0 { left } else { right }, top * f64::from(k) / 4.0)).collect();
        chart.draw_series(std::iter::once(PathElement::new(points, UNAVAILABLE_HATCH.plotters().stroke_width(1))))?;
    }
    Ok(())
}

/// A flag's marks on a day: an outline of its slot and a triangle at its top.
fn flag_marks<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    index: f64,
    top: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart.draw_series(std::iter::once(Rectangle::new(
        [(index + 0.06, 0.0), (index + 0.94, top)],
        FLAG.plotters().stroke_width(2),
    )))?;
    chart.draw_series(std::iter::once(Polygon::new(
        vec![(index + 0.2, top), (index + 0.8, top), (index + 0.5, top * 0.93)],
        FLAG.plotters().filled(),
    )))?;
    Ok(())
}

/// The top of the y axis: a little above the largest value, at least 1.
fn axis_top(largest: u64) -> f64 {
    (largest as f64 * 1.12).max(1.0)
}

fn draw<F>(caption: &Caption<'_>, labels: &[String], top: f64, body: F) -> Result<String, ReportError>
where
    F: FnOnce(
        &mut Chart<'_, SVGBackend<'_>>,
    ) -> Result<(), DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>>,
{
    let mut svg = String::new();
    {
        let root: DrawingArea<SVGBackend<'_>, Shift> =
            SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&BACKGROUND.plotters()).map_err(|e| chart_error(caption, e))?;
        let days = labels.len();
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..days.max(1) as f64, 0f64..top)
            .map_err(|e| chart_error(caption, e))?;
        let x_label = |x: &f64| {
            let index = x.floor();
            let fits = index >= 0.0 && (index as usize) < days && (x - index).abs() < f64::EPSILON;
            if fits { labels.get(index as usize).cloned().unwrap_or_default() } else { String::new() }
        };
        let y_label = |y: &f64| format!("{y:.0}");
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(days.clamp(1, 7))
            .y_labels(5)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style((FONT, 12).into_font().color(&MUTED_TEXT.plotters()))
            .axis_style(AXIS.plotters())
            .bold_line_style(GRID.plotters())
            .light_line_style(BACKGROUND.plotters().mix(0.0))
            .draw()
            .map_err(|e| chart_error(caption, e))?;
        body(&mut chart).map_err(|e| chart_error(caption, e))?;
        root.present().map_err(|e| chart_error(caption, e))?;
    }
    accessible(&svg, caption)
}

/// Short day labels (`Mar 02`) of a window's days.
fn day_labels(days: impl Iterator<Item = chrono::NaiveDate>) -> Vec<String> {
    days.map(|d| d.format("%b %d").to_string()).collect()
}

/// One app's stacked daily record chart (R1–R6) with its flagged days (X2).
///
/// # Errors
/// [`ReportError::Chart`] when `plotters` refuses to draw.
pub fn records_chart(section: &RecordsSection, app: &AppRecords, caption: &Caption<'_>) -> Result<String, ReportError> {
    let days = section.days.len();
    let stacked = |i: usize| -> u64 {
        app.actions.iter().filter_map(|s| s.daily.get(i).copied().flatten()).fold(0u64, u64::saturating_add)
    };
    let top = axis_top((0..days).map(stacked).max().unwrap_or(0));
    let labels = day_labels(section.days.iter().copied());
    draw(caption, &labels, top, |chart| {
        for (i, day) in section.days.iter().enumerate() {
            let x = i as f64;
            day_slot(chart, x, top, section.available(i))?;
            let mut base = 0.0;
            for series in &app.actions {
                let count = series.daily.get(i).copied().flatten().unwrap_or(0);
                if count == 0 {
                    continue;
                }
                let height = count as f64;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.18, base), (x + 0.82, base + height)],
                    action_colour(series.action).plotters().filled(),
                )))?;
                base += height;
            }
            if app.flagged_days.contains(day) {
                flag_marks(chart, x, top)?;
            }
        }
        Ok(())
    })
}

/// API calls per day against the limit in force (U1–U3), today last, spikes of the account
/// marked (U4).
///
/// # Errors
/// [`ReportError::Chart`] when `plotters` refuses to draw.
pub fn usage_chart(usage: &UsageReport, caption: &Caption<'_>) -> Result<String, ReportError> {
    let largest = usage.days.iter().map(|d| d.calls.max(d.limit)).max().unwrap_or(0);
    let top = axis_top(largest);
    let labels = day_labels(usage.days.iter().map(|d| d.day));
    draw(caption, &labels, top, |chart| {
        for (i, day) in usage.days.iter().enumerate() {
            let x = i as f64;
            day_slot(chart, x, top, true)?;
            if day.calls > 0 {
                let colour = if day.day == usage.today { CALLS_TODAY } else { CALLS };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.18, 0.0), (x + 0.82, day.calls as f64)],
                    colour.plotters().filled(),
                )))?;
            }
            if usage.spikes.iter().any(|s| s.app.is_none() && s.day == day.day) {
                flag_marks(chart, x, top)?;
            }
        }
        // The limit in force each day, as one stepped line across the window.
        let limit: Vec<(f64, f64)> = usage
            .days
            .iter()
            .enumerate()
            .flat_map(|(i, d)| [(i as f64, d.limit as f64), (i as f64 + 1.0, d.limit as f64)])
            .collect();
        if !limit.is_empty() {
            chart.draw_series(std::iter::once(PathElement::new(limit, LIMIT.plotters().stroke_width(2))))?;
        }
        Ok(())
    })
}
