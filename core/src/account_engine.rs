//! One account engine for every host (issue 13): the [`Engine`] and an [`ActivityIndex`] over
//! its log that brings itself up to date when queried.
//!
//! Hosts (the pyo3 module, the UniFFI library) wrap this one type instead of pairing an engine
//! with an index and syncing it by hand. The index is a cache over the log: changes go to the
//! engine ([`AccountEngine::engine_mut`], never to the index), and the next query picks them up
//! — it indexes the new tail, or rebuilds when the log is not an extension of what was indexed
//! (recoded apps or users, a replaced engine).
//!
//! # Read-write split
//! The `&mut self` queries ([`AccountEngine::activity`], [`AccountEngine::activity_facets`],
//! [`AccountEngine::app_log`], [`AccountEngine::app_log_columns`]) sync first. A host that keeps
//! the engine behind a read-write lock can instead query under the *read* lock through
//! [`AccountEngine::indexed`]: when events arrived since the last sync, the query fails with
//! [`ActivityError::OutOfSync`], and the host takes the write lock for
//! [`AccountEngine::sync_activity`] and queries the [`IndexedLog`] it returns. Both paths give
//! the same answers.
//!
//! # Notification state
//! The account engine owns the notification rules and the delivery log ([`Notifications`]) beside
//! the [`Engine`], and saves them in its snapshot ([`AccountEngine::to_json`]: the same JSON the
//! engine wrote when it held them, so saved snapshots restore unchanged). The engine's own
//! methods are reached through `Deref` (`account.execute(..)`, `account.events()`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::activity::{ActivityError, ActivityFacets, ActivityFilter, ActivityIndex, ActivityPage, MAX_PAGE_SIZE};
use crate::catalog::AppId;
use crate::command::{Actor, Command, Outcome};
use crate::directory::Directory;
use crate::engine::Engine;
use crate::error::{Error, SnapshotError};
use crate::event::Event;
use crate::ingest::{NO_USER, type_code};
use crate::lifecycle::LifecycleError;
use crate::log::{EventLog, EventRef, LogColumns};
use crate::marketplace::{Marketplace, MarketplaceError};
use crate::notify::{Delivery, DeliveryLog, NotificationRules, Notifications, NotifyError, Rule, RuleId};
use crate::snapshot::events_from_ndjson;
use crate::views::AppLogFilter;
use chrono::{DateTime, Utc};

/// The engine of one account and the activity-log index over its log, kept in sync lazily.
#[derive(Debug, Clone)]
pub struct AccountEngine {
    engine: Engine,
    /// Notification rules and delivery log (N1–N4), saved in the snapshot.
    notifications: Notifications,
    /// Governance policies (G4) and their change log, saved in the snapshot.
    governance_policies: crate::governance::GovernancePolicies,
    /// A cache of the log: brought up to date by the queries, never changed otherwise.
    index: ActivityIndex,
}

/// The log and an index that covers it, for queries under a shared borrow.
///
/// From [`AccountEngine::indexed`] the index may be behind the log: every query then fails with
/// [`ActivityError::OutOfSync`] (see the module's read-write split). From
/// [`AccountEngine::sync_activity`] it is current.
#[derive(Debug, Clone, Copy)]
pub struct IndexedLog<'a> {
    log: &'a EventLog,
    index: &'a ActivityIndex,
}

/// One app's log as columns (O2), newest first, for data-frame hosts: one row per event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppLogColumns {
    /// Event ids.
    pub ids: Vec<u64>,
    /// Event times, microseconds since the Unix epoch (UTC), rounded down.
    pub at_micros: Vec<i64>,
    /// Activity type codes: positions in [`crate::ActivityType::ALL`] ([`type_code`]).
    pub types: Vec<u8>,
    /// Acting-user codes into `actor_dictionary`; [`NO_USER`] for system events.
    pub actors: Vec<u32>,
    /// The acting users, in the order they first appear in the rows.
    pub actor_dictionary: Vec<UserId>,
}

impl AppLogColumns {
    /// How many rows (events) the columns hold.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is no row.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The columns of `events`, in their order.
    #[must_use]
    pub fn from_events<'e>(events: impl IntoIterator<Item = EventRef<'e>>) -> Self {
        let events = events.into_iter();
        let rows = events.size_hint().0;
        let mut out = Self {
            ids: Vec::with_capacity(rows),
            at_micros: Vec::with_capacity(rows),
            types: Vec::with_capacity(rows),
            actors: Vec::with_capacity(rows),
            actor_dictionary: Vec::new(),
        };
        let mut codes: HashMap<&UserId, u32> = HashMap::new();
        for event in events {
            let actor = event.actor.map_or(NO_USER, |a| {
                *codes.entry(a).or_insert_with(|| {
                    out.actor_dictionary.push(a.clone());
                    // At most one entry per user code of the log, which are u32 below `NO_USER`.
                    u32::try_from(out.actor_dictionary.len() - 1).unwrap_or(NO_USER)
                })
            });
            out.ids.push(event.id.0);
            out.at_micros.push(event.at.timestamp_micros());
            out.types.push(type_code(event.kind.activity_type()));
            out.actors.push(actor);
        }
        out
    }
}

impl<'a> IndexedLog<'a> {
    /// The log the index covers.
    #[must_use]
    pub fn log(&self) -> &'a EventLog {
        self.log
    }

    /// One page of the events matching `filter`, newest first, after `cursor` (L2, L3); see
    /// [`ActivityIndex::query`].
    ///
    /// # Errors
    /// As [`ActivityIndex::query`]; [`ActivityError::OutOfSync`] when events arrived since the
    /// last sync.
    pub fn query(
        &self,
        filter: &ActivityFilter,
        cursor: Option<&str>,
        page_size: usize,
    ) -> Result<ActivityPage<'a>, ActivityError> {
        self.index.query(self.log, filter, cursor, page_size)
    }

    /// Facet counts of the events matching `filter` (L4); see [`ActivityIndex::facets`].
    ///
    /// # Errors
    /// As [`ActivityIndex::facets`]; [`ActivityError::OutOfSync`] when events arrived since the
    /// last sync.
    pub fn facets(&self, filter: &ActivityFilter) -> Result<ActivityFacets, ActivityError> {
        self.index.facets(self.log, filter)
    }

    /// The events of `app`, newest first, filtered by activity type and acting user (O2): what
    /// [`crate::app_log`] returns, read from the index's posting lists instead of a scan of the
    /// whole log. An unknown app has no event.
    ///
    /// # Errors
    /// [`ActivityError::OutOfSync`] when events arrived since the last sync.
    pub fn app_log(&self, app: &AppId, filter: &AppLogFilter) -> Result<Vec<EventRef<'a>>, ActivityError> {
        let filter = ActivityFilter {
            types: filter.types.clone(),
            users: filter.users.clone(),
            apps: vec![app.clone()],
            since: None,
            until: None,
        };
        let mut events = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.query(&filter, cursor.as_deref(), MAX_PAGE_SIZE)?;
            events.extend(page.events);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(events),
            }
        }
    }

    /// Every event matching `filter`, oldest first, as columns ([`LogColumns`]); an empty filter
    /// reads the log's columns whole, one pass each, without the index (it needs no sync).
    ///
    /// # Errors
    /// [`ActivityError::InvertedRange`], [`ActivityError::OutOfSync`] (not for an empty filter).
    pub fn columns(&self, filter: &ActivityFilter) -> Result<LogColumns<'a>, ActivityError> {
        if *filter == ActivityFilter::default() {
            return Ok(self.log.columns(0..self.log.len()));
        }
        Ok(self.log.columns_at(&self.index.matching_positions(self.log, filter)?))
    }

    /// One page of [`Self::query`] as columns, newest first, and its next cursor.
    ///
    /// # Errors
    /// As [`Self::query`].
    pub fn page_columns(
        &self,
        filter: &ActivityFilter,
        cursor: Option<&str>,
        page_size: usize,
    ) -> Result<(LogColumns<'a>, Option<String>), ActivityError> {
        let (positions, next_cursor) = self.index.page_positions(self.log, filter, cursor, page_size)?;
        Ok((self.log.columns_at(&positions), next_cursor))
    }

    /// [`Self::app_log`] as columns.
    ///
    /// # Errors
    /// As [`Self::app_log`].
    pub fn app_log_columns(&self, app: &AppId, filter: &AppLogFilter) -> Result<AppLogColumns, ActivityError> {
        self.app_log(app, filter).map(AppLogColumns::from_events)
    }
}

impl From<Engine> for AccountEngine {
    fn from(engine: Engine) -> Self {
        Self::from_engine(engine)
    }
}

impl AccountEngine {
    /// An account engine with an empty log.
    #[must_use]
    pub fn new(directory: Directory) -> Self {
        Self::from_engine(Engine::new(directory))
    }

    /// Wraps `engine`; its log is indexed by the first query.
    #[must_use]
    pub fn from_engine(engine: Engine) -> Self {
        Self {
            engine,
            notifications: Notifications::default(),
            governance_policies: crate::governance::GovernancePolicies::default(),
            index: ActivityIndex::new(),
        }
    }

    /// The engine (directory, log, state).
    #[must_use]
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine, to change; the index catches up on the next query.
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// The engine, without the index and the notification state.
    #[must_use]
    pub fn into_engine(self) -> Engine {
        self.engine
    }

    /// The log with the index as it stands, for queries under a shared borrow: they fail with
    /// [`ActivityError::OutOfSync`] until [`Self::sync_activity`] has run since the last change.
    #[must_use]
    pub fn indexed(&self) -> IndexedLog<'_> {
        IndexedLog { log: self.engine.events(), index: &self.index }
    }

    /// Brings the index up to date with the log (a no-op when it is) and returns both.
    ///
    /// # Errors
    /// [`ActivityError::OutOfOrder`] for a log out of time order, which the engine never holds;
    /// the index is then unchanged.
    pub fn sync_activity(&mut self) -> Result<IndexedLog<'_>, ActivityError> {
        self.index.sync(self.engine.events())?;
        Ok(self.indexed())
    }

    /// Heap bytes of the index (see [`ActivityIndex::heap_bytes`]).
    #[must_use]
    pub fn index_heap_bytes(&self) -> usize {
        self.index.heap_bytes()
    }

    /// One page of the log's events matching `filter`, newest first, after `cursor` (L2, L3),
    /// with the index synced first.
    ///
    /// # Errors
    /// As [`ActivityIndex::query`].
    pub fn activity(
        &mut self,
        filter: &ActivityFilter,
        cursor: Option<&str>,
        page_size: usize,
    ) -> Result<ActivityPage<'_>, ActivityError> {
        self.sync_activity()?.query(filter, cursor, page_size)
    }

    /// Facet counts of the events matching `filter` (L4), with the index synced first.
    ///
    /// # Errors
    /// As [`ActivityIndex::facets`].
    pub fn activity_facets(&mut self, filter: &ActivityFilter) -> Result<ActivityFacets, ActivityError> {
        self.sync_activity()?.facets(filter)
    }

    /// One app's events, newest first, filtered (O2), with the index synced first; the same
    /// events as [`crate::app_log`].
    ///
    /// # Errors
    /// [`ActivityError::OutOfOrder`] as [`Self::sync_activity`].
    pub fn app_log(&mut self, app: &AppId, filter: &AppLogFilter) -> Result<Vec<Event>, ActivityError> {
        let events = self.sync_activity()?.app_log(app, filter)?;
        Ok(events.iter().map(EventRef::to_event).collect())
    }

    /// One app's log as columns (O2), with the index synced first.
    ///
    /// # Errors
    /// [`ActivityError::OutOfOrder`] as [`Self::sync_activity`].
    pub fn app_log_columns(&mut self, app: &AppId, filter: &AppLogFilter) -> Result<AppLogColumns, ActivityError> {
        self.sync_activity()?.app_log_columns(app, filter)
    }

    /// The snapshot: the directory, the log and its hash chain, and the notification state, as
    /// pretty-printed JSON; the index is not saved.
    ///
    /// # Errors
    /// [`SnapshotError::Json`] if serialisation fails (it does not for valid engines).
    pub fn to_json(&self) -> Result<String, SnapshotError> {
        crate::snapshot::write(&self.engine, &self.notifications, &self.governance_policies)
    }

    /// Restores [`Self::to_json`]'s output (or [`Engine::to_json`]'s), validating every entry,
    /// event, rule change and delivery; the index is rebuilt by the first query.
    ///
    /// # Errors
    /// [`SnapshotError`] for malformed JSON, unknown fields or enum values, bad timestamps or an
    /// unsupported version; [`crate::ChainError`] for a hash chain that does not match the
    /// events; [`crate::DirectoryError`] or [`crate::LifecycleError`] for invalid contents;
    /// [`crate::NotifyError`] for a rule log that does not fold or a delivery log the engine could
    /// not have written ([`crate::notify::DeliveryLog::restore`]).
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let (engine, notifications, governance_policies) = read_snapshot(text)?;
        Ok(Self { engine, notifications, governance_policies, index: ActivityIndex::new() })
    }

    /// The notification state: rules and delivery log.
    #[must_use]
    pub fn notifications(&self) -> &Notifications {
        &self.notifications
    }

    /// The notification rules and their change log.
    #[must_use]
    pub fn notification_rules(&self) -> &NotificationRules {
        self.notifications.rules()
    }

    /// What was already delivered.
    #[must_use]
    pub fn delivery_log(&self) -> &DeliveryLog {
        self.notifications.deliveries()
    }

    /// Creates a rule: see [`NotificationRules::create`] (super admins and users with App
    /// Marketplace Access may).
    ///
    /// # Errors
    /// A [`NotifyError`]; nothing changes.
    pub fn create_rule(&mut self, actor: &UserId, rule: Rule, now: DateTime<Utc>) -> Result<(), NotifyError> {
        self.notifications.rules_mut().create(self.engine.directory(), actor, rule, now)
    }

    /// Edits a rule: see [`NotificationRules::edit`] (super admins only).
    ///
    /// # Errors
    /// A [`NotifyError`]; nothing changes.
    pub fn edit_rule(&mut self, actor: &UserId, rule: Rule, now: DateTime<Utc>) -> Result<(), NotifyError> {
        self.notifications.rules_mut().edit(self.engine.directory(), actor, rule, now)
    }

    /// Deletes a rule: see [`NotificationRules::delete`] (super admins only).
    ///
    /// # Errors
    /// A [`NotifyError`]; nothing changes.
    pub fn delete_rule(&mut self, actor: &UserId, rule: &RuleId, now: DateTime<Utc>) -> Result<(), NotifyError> {
        self.notifications.rules_mut().delete(self.engine.directory(), actor, rule, now)
    }

    /// The deliveries due at `now` that the delivery log has not seen: see [`crate::notify::evaluate`].
    ///
    /// # Example
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use connected_apps::{Account, AccountEngine, App, AppLevel, Directory, Distribution, User};
    /// # let mut directory = Directory::new(Account {
    /// #     id: "1234".into(), name: "Acme".into(), default_language: "en".into(),
    /// #     time_zone: "Europe/Paris".into(), subscriptions: Default::default(), api_limit_increases: 0,
    /// # })?;
    /// # for (id, super_admin) in [("ada", true), ("bob", false)] {
    /// #     directory.add_user(User {
    /// #         id: id.into(), name: id.into(), email: format!("{id}@acme.test"), active: true, super_admin,
    /// #         permissions: Default::default(), platform_user_id: None,
    /// #     })?;
    /// # }
    /// # directory.add_app(App {
    /// #     id: "zoom".into(), name: "Zoom".into(), provider: "Zoom".into(), built_by_vendor_platform: false,
    /// #     distribution: Distribution::Marketplace, level: AppLevel::AccountLevel, reports_status: true,
    /// #     scopes: vec![], features: vec![], workflow_actions: vec![], post_uninstall_steps: vec![],
    /// # })?;
    /// # let mut engine = AccountEngine::new(directory);
    /// use chrono::Duration;
    /// use connected_apps::{
    ///     Actor, Channel, Command, EventId, Frequency, Recipients, Rule, RuleApps, RuleType, Trigger,
    /// };
    ///
    /// let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().ok_or("no such instant")?;
    /// let rule = Rule {
    ///     id: "zoom-down".into(),
    ///     name: "Zoom disconnected".into(),
    ///     rule_type: RuleType::AppDisconnected,
    ///     apps: RuleApps::Only(["zoom".into()].into()),
    ///     recipients: Recipients::SuperAdmins,
    ///     channels: [Channel::Email].into(),
    ///     frequency: Some(Frequency::Daily),
    ///     notify_recovered: false,
    /// };
    /// engine.create_rule(&"ada".into(), rule, t0)?;
    /// let ada = Actor::User("ada".into());
    /// let install = Command::Install { app: "zoom".into(), scopes: None, expires_at: None, request_admin: None };
    /// engine.execute(&ada, install, t0)?; // event 1
    /// engine.execute(&ada, Command::Disconnect { app: "zoom".into(), user: None }, t0)?; // event 2
    ///
    /// // The disconnect is due to the super admin, by e-mail (N1, N4) ...
    /// let due = engine.due_notifications(t0 + Duration::minutes(5));
    /// let first = due.first().ok_or("one delivery")?;
    /// assert_eq!(due.len(), 1);
    /// assert_eq!((first.trigger, first.recipient.as_str()), (Trigger::Disconnected { event: EventId(2) }, "ada"));
    /// // ... and once recorded as sent, it is not due again.
    /// assert_eq!(engine.record_deliveries(&due, t0 + Duration::minutes(5))?, 1);
    /// assert!(engine.due_notifications(t0 + Duration::minutes(5)).is_empty());
    ///
    /// // A day later the app is still disconnected: the first daily reminder is due (N2).
    /// let due = engine.due_notifications(t0 + Duration::days(1));
    /// assert_eq!(due.first().map(|d| d.trigger), Some(Trigger::Reminder { disconnected: EventId(2), n: 1 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn due_notifications(&self, now: DateTime<Utc>) -> Vec<Delivery> {
        self.notifications.due(self.engine.directory(), self.engine.events(), now)
    }

    /// Records deliveries as sent, all or nothing; returns how many notices were new. Only
    /// deliveries the engine produces at `now` are accepted: pass the `now` they were evaluated
    /// at (see [`DeliveryLog::record`]).
    ///
    /// # Errors
    /// [`NotifyError::NotDue`] naming the first refused delivery; nothing changes.
    pub fn record_deliveries(&mut self, deliveries: &[Delivery], now: DateTime<Utc>) -> Result<usize, NotifyError> {
        self.notifications.record(self.engine.directory(), self.engine.events(), deliveries, now)
    }

    /// Settles the delivery log before `before` over the engine's log (never past its newest
    /// event): see [`DeliveryLog::settle`].
    pub fn settle_deliveries(&mut self, before: DateTime<Utc>) {
        self.notifications.settle(self.engine.directory(), self.engine.events(), before);
    }
}

impl std::ops::Deref for AccountEngine {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl std::ops::DerefMut for AccountEngine {
    /// The engine, to change (as [`AccountEngine::engine_mut`]); the index catches up on the
    /// next query.
    fn deref_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }
}

/// Reads a snapshot ([`crate::snapshot`]): the engine and its notification state, validating every entry and
/// event. Timestamps may carry any UTC offset; they are normalised to UTC.
///
/// # Errors
/// [`SnapshotError`] for malformed JSON, unknown fields or enum values, bad timestamps or an
/// unsupported version; [`crate::ChainError`] for a hash chain that does not match the
/// events; [`crate::DirectoryError`] or [`LifecycleError`] for invalid contents;
/// [`crate::NotifyError`] for a rule log that does not fold or a delivery log the engine could
/// not have written ([`crate::notify::DeliveryLog::restore`]: the derived parts are recomputed
/// from the events).
fn read_snapshot(text: &str) -> Result<(Engine, Notifications, crate::governance::GovernancePolicies), Error> {
    let doc = crate::snapshot::parse(text)?;
    let chain = match &doc.chain {
        Some(chain) => {
            crate::chain::check_snapshot_doc(chain)?;
            if let Some(event) = doc.events.iter().find(|e| crate::time::nanos(e.at).is_none()) {
                return Err(LifecycleError::TimeOutOfRange(event.at).into());
            }
            Some(crate::chain::check_snapshot_events(&doc.events, chain)?)
        }
        None => None,
    };
    let mut directory = Directory::new(doc.account)?;
    for user in doc.users {
        directory.add_user(user)?;
    }
    for team in doc.teams {
        directory.add_team(team)?;
    }
    for app in doc.apps {
        directory.add_app(app)?;
    }
    let mut engine = Engine::new(directory);
    engine.set_governance_settings(doc.governance_settings).map_err(LifecycleError::from)?;
    engine.append_all(doc.events).map_err(|(_, e)| e)?;
    if let Some(chain) = chain {
        engine.events.adopt_chain(chain);
    }
    let notifications =
        Notifications::restore(engine.directory(), engine.events(), doc.notification_rules, doc.deliveries)?;
    let governance_policies =
        crate::governance::GovernancePolicies::from_events(engine.directory(), doc.governance_policies)?;
    check_governance_notices(&notifications, &governance_policies)?;
    Ok((engine, notifications, governance_policies))
}

/// Every remembered governance-alert notice names a policy the policy log set by the end of the
/// notice's day (G4): the rest of the notice was checked by [`DeliveryLog::restore`].
///
/// # Errors
/// [`NotifyError::ImpossibleGovernanceNotice`] for the first notice that fails.
fn check_governance_notices(
    notifications: &Notifications,
    policies: &crate::governance::GovernancePolicies,
) -> Result<(), NotifyError> {
    for notice in notifications.deliveries().governance_notices() {
        let set = policies.events().iter().any(|e| {
            crate::time::utc_day(e.at) <= notice.day
                && matches!(&e.change, crate::governance::GovernancePolicyChange::Set { policy } if policy.id == notice.policy)
        });
        if !set {
            return Err(NotifyError::ImpossibleGovernanceNotice {
                notice: Box::new(notice.clone()),
                reason: "its policy was not set by the end of its day",
            });
        }
    }
    Ok(())
}

impl Engine {
    /// Rebuilds an engine from a snapshot ([`Engine::to_json`]'s or
    /// [`crate::AccountEngine::to_json`]'s output), validating every entry and event, and the
    /// notification state, which an engine does not keep: restore with
    /// [`crate::AccountEngine::from_json`] to keep it.
    ///
    /// # Errors
    /// As [`crate::AccountEngine::from_json`].
    pub fn from_json(text: &str) -> Result<Self, Error> {
        read_snapshot(text).map(|(engine, _, _)| engine)
    }

    /// Appends events read from NDJSON, all or nothing.
    ///
    /// # Errors
    /// As [`events_from_ndjson`] and [`Engine::append_all`].
    pub fn import_ndjson(&mut self, text: &str) -> Result<usize, Error> {
        let events = events_from_ndjson(text)?;
        self.append_all(events).map_err(|(_, e)| e.into())
    }
}

/// Starts connecting `app` from the workflow editor (W2), through the marketplace (a feature)
/// and the engine's install command: it answers with the crate-wide [`Error`], so it sits in the
/// top layer.
/// Connecting `app` from the workflow editor (W2): the listing must offer workflow
/// actions and the app be known to the account's directory; then it is an ordinary install by
/// `user` granting the required scopes (I1–I4), or an install request when the user may not
/// install (I2).
///
/// # Errors
/// [`MarketplaceError::UnknownListing`], [`MarketplaceError::NoWorkflowActions`], or the
/// install's [`crate::LifecycleError`]; nothing changes on error.
pub fn connect_from_workflow(
    engine: &mut Engine,
    marketplace: &Marketplace,
    app: &AppId,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<Outcome, Error> {
    let listing = marketplace.listing(app).ok_or_else(|| MarketplaceError::UnknownListing(app.clone()))?;
    if listing.workflow_actions.is_empty() {
        return Err(MarketplaceError::NoWorkflowActions(app.clone()).into());
    }
    let install = Command::Install { app: app.clone(), scopes: None, expires_at: None, request_admin: None };
    Ok(engine.execute(&Actor::User(user.clone()), install, now)?)
}

/// Governance views that need the notification rules (X4, G4), so they live beside them.
impl AccountEngine {
    /// The blast radius of `app` at `now` over the engine's state and notification rules: see
    /// [`crate::governance::blast_radius()`].
    ///
    /// # Errors
    /// As [`crate::governance::blast_radius()`].
    pub fn blast_radius(
        &self,
        app: &crate::catalog::AppId,
        records: Option<&crate::insights::RecordAggregate>,
        settings: Option<&crate::insights::InsightsSettings>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::governance::BlastRadius, crate::governance::ExposureError> {
        crate::governance::blast_radius(
            self.engine.directory(),
            self.engine.state(),
            self.notification_rules(),
            records,
            settings,
            app,
            now,
        )
    }

    /// The deliveries of `alerts` through the engine's `governance_alert` rules that the
    /// delivery log has not seen: see [`crate::governance::governance_deliveries`].
    #[must_use]
    pub fn governance_notifications(
        &self,
        alerts: &[crate::governance::GovernanceAlert],
    ) -> Vec<crate::governance::GovernanceDelivery> {
        crate::governance::governance_deliveries(
            self.engine.directory(),
            self.notification_rules(),
            self.delivery_log(),
            alerts,
        )
    }

    /// Records governance-alert deliveries as sent (G4), all or nothing; returns how many
    /// notices were new. Only deliveries the engine produces at `now` for alerts of its policies
    /// are accepted, and none of a notice already delivered: see
    /// [`crate::governance::check_governance_deliveries`]. Pass the `now` the alerts were
    /// evaluated at.
    ///
    /// # Errors
    /// [`NotifyError::UnknownRule`], [`NotifyError::NotGovernanceRule`],
    /// [`NotifyError::GovernanceNotDue`] or [`NotifyError::AlreadyDelivered`] for the first refused
    /// delivery; nothing changes.
    pub fn record_governance_deliveries(
        &mut self,
        deliveries: &[crate::governance::GovernanceDelivery],
        now: DateTime<Utc>,
    ) -> Result<usize, NotifyError> {
        let notices = crate::governance::check_governance_deliveries(
            self.engine.directory(),
            self.notification_rules(),
            &self.governance_policies,
            self.delivery_log(),
            deliveries,
            now,
        )?;
        Ok(self.notifications.record_governance(notices))
    }
}

/// Governance policies (G4): account configuration like the notification rules, saved in the
/// snapshot beside them.
impl AccountEngine {
    /// The governance policies and their change log (G4).
    #[must_use]
    pub fn governance_policies(&self) -> &crate::governance::GovernancePolicies {
        &self.governance_policies
    }

    /// Creates or replaces a governance policy: see [`crate::governance::GovernancePolicies::set`] (super admins
    /// only).
    ///
    /// # Errors
    /// A [`crate::governance::GovernancePolicyError`]; nothing changes.
    pub fn set_governance_policy(
        &mut self,
        actor: &crate::account::UserId,
        policy: crate::governance::GovernancePolicy,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), crate::governance::GovernancePolicyError> {
        let directory = self.engine.directory();
        self.governance_policies.set(directory, actor, policy, now)
    }

    /// Removes a governance policy: see [`crate::governance::GovernancePolicies::remove`] (super admins only).
    ///
    /// # Errors
    /// A [`crate::governance::GovernancePolicyError`]; nothing changes.
    pub fn remove_governance_policy(
        &mut self,
        actor: &crate::account::UserId,
        id: &crate::governance::GovernancePolicyId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), crate::governance::GovernancePolicyError> {
        let directory = self.engine.directory();
        self.governance_policies.remove(directory, actor, id, now)
    }

    /// Evaluates the engine's policies at `now` over its current state: see
    /// [`crate::governance::evaluate_policies`]. Changes nothing.
    ///
    /// # Errors
    /// As [`crate::governance::evaluate_policies`].
    pub fn evaluate_governance(
        &self,
        evidence: &crate::governance::Evidence<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::governance::GovernanceReport, crate::governance::GovernancePolicyError> {
        crate::governance::evaluate_policies(
            self.engine.directory(),
            self.engine.state(),
            self.governance_policies.policies(),
            evidence,
            now,
        )
    }

    /// Evaluates the policies at `now` and logs the disconnects of enforce policies, all or
    /// nothing: one `disconnected` event per connection of [`crate::governance::GovernanceReport::disconnects`],
    /// taken by the system (no acting user), at `now`. Audit alerts log nothing.
    ///
    /// # Errors
    /// As [`crate::governance::evaluate_policies`]; [`crate::governance::GovernancePolicyError::Lifecycle`] when `now` is before the
    /// newest logged event (or the log is full). Nothing changes on error.
    pub fn apply_governance(
        &mut self,
        evidence: &crate::governance::Evidence<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::governance::GovernanceOutcome, crate::governance::GovernancePolicyError> {
        let report = self.evaluate_governance(evidence, now)?;
        if report.disconnects.is_empty() {
            return Ok(crate::governance::GovernanceOutcome { report, events: Vec::new() });
        }
        let first = self.engine.next_id;
        let events: Vec<crate::event::Event> = report
            .disconnects
            .iter()
            .zip(first..)
            .map(|(d, id)| crate::event::Event {
                id: crate::event::EventId(id),
                at: now,
                app: d.app.clone(),
                user: d.user.clone(),
                actor: None,
                kind: crate::event::EventKind::Disconnected,
            })
            .collect();
        let ids = events.iter().map(|e| e.id).collect();
        self.engine.append_all(events).map_err(|(_, e)| e)?;
        Ok(crate::governance::GovernanceOutcome { report, events: ids })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
mod tests {
    use chrono::{DateTime, Duration, TimeZone, Utc};

    use super::*;
    use crate::account::{Account, Hub, Permission, Tier, User};
    use crate::catalog::{App, AppLevel, Distribution, ScopeDecl, ScopeRequirement};
    use crate::command::{Actor, Command};
    use crate::event::{ActivityType, EventId, EventKind};
    use crate::views::app_log;

    fn t(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn user(id: &str) -> User {
        User {
            id: id.into(),
            name: format!("User {id}"),
            email: format!("{id}@example.com"),
            active: true,
            super_admin: id == "admin",
            permissions: [Permission::AppMarketplaceAccess].into(),
            platform_user_id: None,
        }
    }

    fn app(id: &str, level: AppLevel) -> App {
        App {
            id: id.into(),
            name: id.to_uppercase(),
            provider: "Vendor".into(),
            built_by_vendor_platform: false,
            distribution: Distribution::Marketplace,
            level,
            reports_status: true,
            scopes: vec![ScopeDecl {
                name: "crm.objects.contacts.read".into(),
                requirement: ScopeRequirement::Required,
                requires: None,
            }],
            features: vec![],
            workflow_actions: vec![],
            post_uninstall_steps: vec![],
        }
    }

    fn directory() -> Directory {
        let account = Account {
            id: "1".into(),
            name: "Acme".into(),
            default_language: "en".into(),
            time_zone: "UTC".into(),
            subscriptions: [(Hub::Sales, Tier::Professional)].into(),
            api_limit_increases: 0,
        };
        let mut d = Directory::new(account).unwrap();
        for u in ["admin", "ann", "bob"] {
            d.add_user(user(u)).unwrap();
        }
        d.add_app(app("salesforce", AppLevel::AccountLevel)).unwrap();
        d.add_app(app("gmail", AppLevel::UserLevel)).unwrap();
        d
    }

    fn command(app: &str, kind: ActivityType) -> Command {
        let app = AppId::from(app);
        match kind {
            ActivityType::Installed => Command::Install { app, scopes: None, expires_at: None, request_admin: None },
            ActivityType::Disconnected => Command::Disconnect { app, user: None },
            ActivityType::Reconnected => Command::Reconnect { app, user: None, expires_at: None },
            _ => Command::ReportActivity { app, user: None },
        }
    }

    /// Salesforce (account level) installed by admin; Gmail installed by ann and bob; then
    /// activity reported by the system and by users, at one-minute steps.
    fn populated() -> AccountEngine {
        let mut engine = AccountEngine::new(directory());
        let steps: [(Option<&str>, &str, ActivityType); 9] = [
            (Some("admin"), "salesforce", ActivityType::Installed),
            (Some("ann"), "gmail", ActivityType::Installed),
            (Some("bob"), "gmail", ActivityType::Installed),
            (None, "salesforce", ActivityType::AppActivity),
            (Some("admin"), "salesforce", ActivityType::Disconnected),
            (Some("ann"), "gmail", ActivityType::AppActivity),
            (Some("admin"), "salesforce", ActivityType::Reconnected),
            (Some("bob"), "gmail", ActivityType::Disconnected),
            (Some("bob"), "gmail", ActivityType::Reconnected),
        ];
        for (minute, (actor, app, kind)) in (0i64..).zip(steps) {
            let actor = actor.map_or(Actor::System, |u| Actor::User(u.into()));
            engine.engine_mut().execute(&actor, command(app, kind), t(minute)).unwrap();
        }
        engine
    }

    fn filters() -> Vec<AppLogFilter> {
        vec![
            AppLogFilter::default(),
            AppLogFilter { types: vec![ActivityType::Installed, ActivityType::Reconnected], users: vec![] },
            AppLogFilter { types: vec![], users: vec!["bob".into()] },
            AppLogFilter { types: vec![ActivityType::AppActivity], users: vec!["ann".into(), "ghost".into()] },
            AppLogFilter { types: vec![ActivityType::Uninstalled], users: vec![] },
        ]
    }

    #[test]
    fn app_log_through_the_index_is_the_scan_for_every_app_and_filter() {
        let mut engine = populated();
        for id in ["salesforce", "gmail", "ghost"] {
            let id = AppId::from(id);
            for filter in filters() {
                let expected = app_log(engine.engine(), &id, &filter);
                assert_eq!(engine.app_log(&id, &filter).unwrap(), expected, "{id} {filter:?}");
            }
        }
        // Gmail, newest first: bob reconnected (8), bob disconnected (7), ann's activity (5), …
        let ids: Vec<u64> =
            engine.app_log(&"gmail".into(), &AppLogFilter::default()).unwrap().iter().map(|e| e.id.0).collect();
        assert_eq!(ids, [9, 8, 6, 3, 2]);
    }

    #[test]
    fn app_log_spans_pages() {
        let mut engine = AccountEngine::new(directory());
        let admin = Actor::User("admin".into());
        engine.engine_mut().execute(&admin, command("salesforce", ActivityType::Installed), t(0)).unwrap();
        // MAX_PAGE_SIZE + 1 events of one app: the log takes two pages.
        let events: Vec<Event> = (0..MAX_PAGE_SIZE as u64)
            .map(|i| Event {
                id: EventId(10 + i),
                at: t(1),
                app: "salesforce".into(),
                user: None,
                actor: None,
                kind: EventKind::AppActivity,
            })
            .collect();
        engine.engine_mut().append_all(events).unwrap();
        let log = engine.app_log(&"salesforce".into(), &AppLogFilter::default()).unwrap();
        assert_eq!(log.len(), MAX_PAGE_SIZE + 1);
        assert_eq!(log, app_log(engine.engine(), &"salesforce".into(), &AppLogFilter::default()));
        assert_eq!(log.first().map(|e| e.id), Some(EventId(10 + MAX_PAGE_SIZE as u64 - 1)));
        assert_eq!(log.last().map(|e| e.id), Some(EventId(1)));
    }

    #[test]
    fn app_log_columns_match_the_events() {
        let mut engine = populated();
        let columns = engine.app_log_columns(&"salesforce".into(), &AppLogFilter::default()).unwrap();
        assert_eq!(columns.ids, [7, 5, 4, 1]);
        assert_eq!(columns.at_micros, [6, 4, 3, 0].map(|m| t(m).timestamp_micros()));
        let types = [ActivityType::Reconnected, ActivityType::Disconnected, ActivityType::AppActivity];
        let mut expected: Vec<u8> = types.iter().map(|t| type_code(*t)).collect();
        expected.push(type_code(ActivityType::Installed));
        assert_eq!(columns.types, expected);
        // The system's report has no actor; admin is the only dictionary entry.
        assert_eq!(columns.actors, [0, 0, NO_USER, 0]);
        assert_eq!(columns.actor_dictionary, [UserId::from("admin")]);
        assert_eq!(columns.len(), 4);

        let gmail = engine.app_log_columns(&"gmail".into(), &AppLogFilter::default()).unwrap();
        assert_eq!(gmail.actor_dictionary, [UserId::from("bob"), UserId::from("ann")]);
        assert_eq!(gmail.actors, [0, 0, 1, 0, 1]);

        let none = engine.app_log_columns(&"ghost".into(), &AppLogFilter::default()).unwrap();
        assert!(none.is_empty() && none.actor_dictionary.is_empty());
    }

    #[test]
    fn microseconds_round_down_before_the_epoch() {
        let before = Utc.timestamp_opt(-1, 999_999_999).unwrap();
        let event = Event {
            id: EventId(1),
            at: before,
            app: "a".into(),
            user: None,
            actor: None,
            kind: EventKind::AppActivity,
        };
        let columns = AppLogColumns::from_events([EventRef::from(&event)]);
        assert_eq!(columns.at_micros, [-1]);
    }

    #[test]
    fn queries_catch_up_with_new_events_and_keep_their_cursors() {
        let mut engine = populated();
        let all = ActivityFilter::default();
        let first = engine.activity(&all, None, 4).unwrap();
        let cursor = first.next_cursor.clone().unwrap();
        assert_eq!(first.events.iter().map(|e| e.id.0).collect::<Vec<_>>(), [9, 8, 7, 6]);

        // An event arrives: shared-borrow queries see the stale index and refuse.
        let admin = Actor::User("admin".into());
        engine.engine_mut().execute(&admin, command("salesforce", ActivityType::AppActivity), t(20)).unwrap();
        let stale = engine.indexed().query(&all, None, 4).unwrap_err();
        assert_eq!(stale, ActivityError::OutOfSync { indexed: 9, logged: 10 });
        assert_eq!(engine.indexed().facets(&all).unwrap_err(), ActivityError::OutOfSync { indexed: 9, logged: 10 });

        // The `&mut` query syncs; the old cursor continues where it stopped.
        let next = engine.activity(&all, Some(&cursor), 4).unwrap();
        assert_eq!(next.events.iter().map(|e| e.id.0).collect::<Vec<_>>(), [5, 4, 3, 2]);
        let fresh = engine.indexed().query(&all, None, 1).unwrap();
        assert_eq!(fresh.events.first().map(|e| e.id.0), Some(10));
        let facets = engine.activity_facets(&all).unwrap();
        assert_eq!(facets.total, 10);
        assert_eq!(facets.system, 1);
    }

    #[test]
    fn refused_queries_leave_the_engine_as_it_was() {
        let mut engine = populated();
        let before = engine.to_json().unwrap();
        let all = ActivityFilter::default();
        assert_eq!(
            engine.activity(&all, None, MAX_PAGE_SIZE + 1).unwrap_err(),
            ActivityError::PageSize { size: MAX_PAGE_SIZE + 1, max: MAX_PAGE_SIZE }
        );
        assert_eq!(engine.activity(&all, None, MAX_PAGE_SIZE).unwrap().events.len(), 9);
        assert!(matches!(engine.activity(&all, Some("nope"), 5), Err(ActivityError::MalformedCursor(_))));
        let inverted = ActivityFilter { since: Some(t(5)), until: Some(t(4)), ..ActivityFilter::default() };
        assert!(matches!(engine.activity_facets(&inverted), Err(ActivityError::InvertedRange { .. })));
        assert_eq!(engine.to_json().unwrap(), before);
    }

    #[test]
    fn a_replaced_engine_is_reindexed() {
        let mut engine = populated();
        assert_eq!(engine.activity_facets(&ActivityFilter::default()).unwrap().total, 9);
        // Another log in place of the indexed one: the index rebuilds, not extends.
        let mut other = Engine::new(directory());
        let ann = Actor::User("ann".into());
        other.execute(&ann, command("gmail", ActivityType::Installed), t(0)).unwrap();
        *engine.engine_mut() = other;
        let facets = engine.activity_facets(&ActivityFilter::default()).unwrap();
        assert_eq!(facets.total, 1);
        assert_eq!(facets.by_app.first().map(|c| c.value.as_str()), Some("gmail"));
        let page = engine.activity(&ActivityFilter::default(), None, 5).unwrap();
        assert_eq!(page.events.iter().map(|e| e.id.0).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn snapshots_are_the_engines_byte_for_byte() {
        let mut engine = populated();
        engine.activity_facets(&ActivityFilter::default()).unwrap();
        let text = engine.to_json().unwrap();
        assert_eq!(text, engine.engine().to_json().unwrap());
        let mut restored = AccountEngine::from_json(&text).unwrap();
        assert_eq!(restored.to_json().unwrap(), text);
        // The restored engine answers as the original.
        let all = ActivityFilter::default();
        let page = restored.activity(&all, None, 50).unwrap().events.iter().map(|e| e.to_event()).collect::<Vec<_>>();
        let expected = engine.activity(&all, None, 50).unwrap().events.iter().map(|e| e.to_event()).collect::<Vec<_>>();
        assert_eq!(page, expected);
        // A refused snapshot is the engine's error.
        let bad = text.replacen("\"version\": 1", "\"version\": 2", 1);
        assert_eq!(
            AccountEngine::from_json(&bad).unwrap_err().to_string(),
            Engine::from_json(&bad).unwrap_err().to_string()
        );
        assert_eq!(AccountEngine::from(restored.clone().into_engine()).to_json().unwrap(), text);
        assert!(restored.index_heap_bytes() > 0);
    }
}
