//! Log events (C4, L1).

use connected_apps::{ActivityType, AppId, Event, EventId, EventKind, UserId};
use pyo3::prelude::*;
use serde_json::Value;

use crate::convert::{Instant, datetime_out, enum_in, enum_out, json_value_in, to_py, wrapper};
use crate::errors::kind_error;

wrapper!(
    /// One entry of the log: id, UTC time, app, connection user, actor and what happened.
    PyEvent(Event),
    "Event"
);

#[pymethods]
impl PyEvent {
    /// `type` is an `ActivityType`; `details` holds the payload of the kinds that have one, in the
    /// core's shape, e.g. `{"scopes": [...]}` for installs or `{"setting": "contacts", "on": True}`.
    #[new]
    #[pyo3(signature = (id, at, app, r#type, *, user = None, actor = None, details = None))]
    fn new(
        #[pyo3(from_py_with = crate::convert::int::id)] id: u64,
        at: Instant,
        app: String,
        r#type: &Bound<'_, PyAny>,
        user: Option<String>,
        actor: Option<String>,
        details: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let activity: ActivityType = enum_in(r#type, "activity type")?;
        let mut kind = match details.map(json_value_in).transpose()? {
            Some(Value::Object(map)) => map,
            None => serde_json::Map::new(),
            Some(_) => {
                return Err(kind_error(connected_apps::ErrorKind::InvalidInput, "details must be a dict".into()));
            }
        };
        kind.insert("type".into(), Value::String(activity.as_str().into()));
        let kind: EventKind = serde_json::from_value(Value::Object(kind)).map_err(|e| {
            kind_error(connected_apps::ErrorKind::InvalidInput, format!("invalid {} event details: {e}", activity))
        })?;
        Ok(Self(Event {
            id: EventId(id),
            at: at.0,
            app: AppId(app),
            user: user.map(UserId),
            actor: actor.map(UserId),
            kind,
        }))
    }

    #[getter]
    fn id(&self) -> u64 {
        self.0.id.0
    }

    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.at)
    }

    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    /// Whose connection, for user-level apps.
    #[getter]
    fn user(&self) -> Option<&str> {
        self.0.user.as_ref().map(UserId::as_str)
    }

    /// Who acted; `None` for system events.
    #[getter]
    fn actor(&self) -> Option<&str> {
        self.0.actor.as_ref().map(UserId::as_str)
    }

    /// The activity type.
    #[getter]
    fn r#type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "ActivityType", &self.0.kind.activity_type())
    }

    /// The payload of the event's kind, as a dict (empty for kinds without one).
    #[getter]
    fn details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut value = serde_json::to_value(&self.0.kind).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.remove("type");
        }
        to_py(py, &value)
    }
}

/// Events from Python: `Event` objects or dicts in the core's shape.
pub fn events_in(items: &Bound<'_, PyAny>) -> PyResult<Vec<Event>> {
    items.try_iter()?.map(|item| PyEvent::from_any(&item?)).collect()
}

/// Events as a list of `Event` objects.
pub fn events_out(py: Python<'_>, events: impl IntoIterator<Item = Event>) -> PyResult<Vec<Bound<'_, PyEvent>>> {
    events.into_iter().map(|e| Bound::new(py, PyEvent(e))).collect()
}
