"""Connected apps: the engine behind a CRM's "Connected apps" settings area.

Build an :class:`Engine` from an account, users, teams and apps; change connections through its
lifecycle commands (``install``, ``uninstall``, ``reconnect``, ...); read the views
(``connections_home``, ``app_overview``, ``app_log``); move the whole engine in and out as JSON
(``to_json`` / ``Engine.from_json``) and events as NDJSON; ingest log events in bulk from numpy
arrays (:func:`ingest_arrays`) or pyarrow tables (:func:`ingest_arrow`).

Every instant is a timezone-aware ``datetime`` (any offset, normalised to UTC; naive datetimes
raise ``TypeError``); every error the engine raises derives from :class:`ConnectedAppsError`.
"""

from __future__ import annotations

import enum
import operator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Iterator, List, Optional, Sequence, Tuple

from . import _native
from ._native import (
    ACTIVITY_TYPES,
    INGESTIBLE_TYPES,
    MAX_EVENT_ID,
    MAX_PAGE_SIZE,
    NO_USER,
    UNINSTALL_CONFIRMATION,
    Account,
    ActivityFacets,
    ActivityPage,
    Applied,
    ArrowBatch,
    App,
    AppAccess,
    AppOverview,
    AttentionItem,
    ConflictError,
    ConnectedAppsError,
    Connection,
    ConnectionsHome,
    ConnectionView,
    Delivery,
    Engine,
    Event,
    InstallRequest,
    InstallVerdict,
    LearningItem,
    LearningLibrary,
    LearningSection,
    Listing,
    Marketplace,
    InvalidInputError,
    InvalidStateError,
    MyAppRow,
    NotFoundError,
    OtherAppRow,
    PermissionDeniedError,
    Recommendation,
    RecordAggregate,
    RecordInsights,
    Rule,
    SearchHit,
    SearchResults,
    State,
    Summary,
    Team,
    Uninstalled,
    UsageHistory,
    UsageReport,
    User,
    WorkflowActionGroup,
    WorkflowAppHit,
    events_from_audit_logs,
    events_from_ndjson,
    events_from_security_activity,
    events_to_ndjson,
    report_html,
    usage_snapshots_from_daily_usage,
)

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "ACTIVITY_TYPES",
    "INGESTIBLE_TYPES",
    "MAX_EVENT_ID",
    "MAX_PAGE_SIZE",
    "NO_USER",
    "UNINSTALL_CONFIRMATION",
    "Account",
    "ActivityFacets",
    "ActivityPage",
    "ActivityType",
    "ArrowBatch",
    "App",
    "AppAccess",
    "AppLevel",
    "AppOverview",
    "Applied",
    "AttentionItem",
    "Channel",
    "ConflictError",
    "ConnectedAppsError",
    "Connection",
    "ConnectionState",
    "ConnectionView",
    "ConnectionsHome",
    "Delivery",
    "Distribution",
    "Engine",
    "Event",
    "Frequency",
    "Hub",
    "InstallRequest",
    "InstallVerdict",
    "LearningItem",
    "LearningLibrary",
    "LearningSection",
    "Listing",
    "Marketplace",
    "InvalidInputError",
    "InvalidStateError",
    "MyAppRow",
    "NotFoundError",
    "OtherAppRow",
    "Permission",
    "PermissionDeniedError",
    "PricingFilter",
    "Recommendation",
    "RecordAction",
    "RecordAggregate",
    "RecordInsights",
    "RequiredAction",
    "Rule",
    "RuleType",
    "ScopeRequirement",
    "SearchHit",
    "SearchResults",
    "State",
    "Summary",
    "Team",
    "Tier",
    "Uninstalled",
    "UsageHistory",
    "UsageReport",
    "User",
    "WorkflowActionGroup",
    "WorkflowAppHit",
    "events_from_audit_logs",
    "events_from_ndjson",
    "report_html",
    "events_from_security_activity",
    "events_to_ndjson",
    "ingest_arrays",
    "ingest_arrow",
    "ingest_record_arrays",
    "iter_activity",
    "usage_snapshots_from_daily_usage",
]


# The enums are `str` enums whose values are the core's snake-case names: members compare,
# iterate and pickle like any `enum.Enum`, and plain strings are accepted wherever a member is.


class Hub(str, enum.Enum):
    """A product hub the account can subscribe to (A1)."""

    MARKETING = "marketing"
    SALES = "sales"
    SERVICE = "service"
    CONTENT = "content"
    OPERATIONS = "operations"
    DATA = "data"
    COMMERCE = "commerce"


class Tier(str, enum.Enum):
    """A subscription tier, free < starter < professional < enterprise (A1)."""

    FREE = "free"
    STARTER = "starter"
    PROFESSIONAL = "professional"
    ENTERPRISE = "enterprise"


class Permission(str, enum.Enum):
    """A permission a user may hold (A2); super admins hold all."""

    APP_MARKETPLACE_ACCESS = "app_marketplace_access"


class AppLevel(str, enum.Enum):
    """At which level an app connects (C1)."""

    ACCOUNT_LEVEL = "account_level"
    USER_LEVEL = "user_level"
    MULTI_ACCOUNT = "multi_account"


class Distribution(str, enum.Enum):
    """Where an app is distributed (M5)."""

    MARKETPLACE = "marketplace"
    OFF_MARKETPLACE = "off_marketplace"


class ScopeRequirement(str, enum.Enum):
    """How strongly an app asks for a scope."""

    REQUIRED = "required"
    CONDITIONALLY_REQUIRED = "conditionally_required"
    OPTIONAL = "optional"


class ConnectionState(str, enum.Enum):
    """The state of a connection at an instant (C3)."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    EXPIRED = "expired"
    ERROR = "error"
    UNINSTALLED = "uninstalled"


class ActivityType(str, enum.Enum):
    """The activity type of a log event (L1). Declaration order = the code in columnar data."""

    INSTALLED = "installed"
    REINSTALLED = "reinstalled"
    UNINSTALLED = "uninstalled"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTED = "reconnected"
    REAUTHENTICATED = "reauthenticated"
    SYNC_SETTING_CHANGED = "sync_setting_changed"
    CONNECTION_EXPIRED = "connection_expired"
    CONNECTION_ERROR = "connection_error"
    APP_ACTIVITY = "app_activity"
    UPDATE_AVAILABILITY = "update_availability"
    APP_VERSION_CHANGED = "app_version_changed"
    POLICY_CHANGED = "policy_changed"
    SCOPES_TURNED_OFF = "scopes_turned_off"
    ACCESS_REQUESTED = "access_requested"
    ACCESS_APPROVED = "access_approved"
    ACCESS_DENIED = "access_denied"
    CONNECTION_REVOKED = "connection_revoked"

    @property
    def code(self) -> int:
        """The type's code in columnar data (``types`` columns)."""
        return ACTIVITY_TYPES.index(self.value)


class RequiredAction(str, enum.Enum):
    """What to do about a connection that needs attention (H1)."""

    RECONNECT = "reconnect"
    REAUTHENTICATE = "reauthenticate"
    FOLLOW_RESOLUTION_STEPS = "follow_resolution_steps"


class RuleType(str, enum.Enum):
    """What a notification rule watches (N1)."""

    APP_INSTALLED = "app_installed"
    APP_DISCONNECTED = "app_disconnected"
    APP_UNINSTALLED = "app_uninstalled"
    GOVERNANCE_ALERT = "governance_alert"
    ACCESS_REQUESTED = "access_requested"


class Channel(str, enum.Enum):
    """How a notification is delivered (N1)."""

    EMAIL = "email"
    IN_APP = "in_app"


class Frequency(str, enum.Enum):
    """Reminder frequency of disconnect rules (N2)."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class PricingFilter(str, enum.Enum):
    """Marketplace pricing filter (M3)."""

    FREE = "free"
    PAID = "paid"
    FREE_TRIAL = "free_trial"


class RecordAction(str, enum.Enum):
    """What happened to a CRM record (R1). Declaration order = the code in ``actions`` columns."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    MERGED = "merged"

    @property
    def code(self) -> int:
        """The action's code in columnar data."""
        return list(RecordAction).index(self)


def _integers(values: Any, dtype: Any, name: str) -> Any:
    """`values` as an array of the integer `dtype`, each value exactly (no wrap-around, no
    truncation): integers out of the dtype's range raise ``InvalidInputError``, values that are not
    integers (floats, strings, ``None``) ``TypeError``; both name the column."""
    import numpy as np

    target = np.dtype(dtype)
    try:
        array = np.asarray(values)
    except OverflowError:
        array = np.asarray(values, dtype=object)
    if array.dtype == target:
        return array  # the native call copies it before reading
    if array.dtype.kind == "O":
        try:
            array = np.array([operator.index(v) for v in array.ravel()], dtype=object).reshape(array.shape)
        except TypeError:
            raise TypeError(f"{name} must hold integers") from None
    elif array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {array.dtype}")
    if array.size:
        info = np.iinfo(target)
        low, high = int(array.min()), int(array.max())
        if low < info.min or high > info.max:
            bad = low if low < info.min else high
            raise InvalidInputError(f"{name} value {bad} is outside {info.min}..={info.max}")
    return array.astype(target)


def _codes(values: Any, dictionary: Optional[Sequence[str]], name: str) -> "tuple[Any, list[str]]":
    """Dictionary-encodes a column of strings unless it already holds codes."""
    import numpy as np

    if dictionary is not None:
        return _integers(values, np.uint32, name), list(dictionary)
    uniques, codes = np.unique(np.asarray(values).astype(str), return_inverse=True)
    return codes.astype(np.uint32), [str(u) for u in uniques]


def _micros(at: Any, name: str = "at") -> Any:
    """Timestamps as int64 µs since the epoch: datetime64 of any unit, or integers already in µs."""
    import numpy as np

    array = np.asarray(at)
    if np.issubdtype(array.dtype, np.datetime64):
        if np.isnat(array).any():
            raise InvalidInputError(f"{name} holds NaT at row {int(np.argmax(np.isnat(array)))}")
        array = array.astype("datetime64[us]").view(np.int64)
    return _integers(array, np.int64, name)


def ingest_arrays(
    engine: Engine,
    ids: "npt.ArrayLike",
    at: "npt.ArrayLike",
    types: "npt.ArrayLike",
    apps: "npt.ArrayLike",
    *,
    app_dictionary: Optional[Sequence[str]] = None,
    users: "Optional[npt.ArrayLike]" = None,
    actors: "Optional[npt.ArrayLike]" = None,
    user_dictionary: Optional[Sequence[str]] = None,
) -> int:
    """Appends log events held in numpy arrays, all or nothing; returns how many.

    ``at`` is ``datetime64`` (any unit, UTC) or int64 µs since the epoch. ``types`` holds
    ``ActivityType.code`` values (uint8). ``apps`` holds app ids, or uint32 codes into
    ``app_dictionary``; ``users``/``actors`` likewise with ``user_dictionary`` (``NO_USER`` for
    none). Integers must fit their column's dtype exactly (``InvalidInputError`` otherwise);
    the native call copies every column before it reads it.
    """
    import numpy as np

    app_codes, app_dict = _codes(apps, app_dictionary, "apps")
    user_codes = actor_codes = None
    user_dict: list[str] = list(user_dictionary or [])
    if user_dictionary is None and (users is not None or actors is not None):
        # Users and actors share one dictionary: encode them together.
        columns = [np.asarray(c, dtype=object) for c in (users, actors) if c is not None]
        joined = np.concatenate(columns)
        present = np.array([v is not None for v in joined])
        uniques, inverse = np.unique(joined[present].astype(str), return_inverse=True)
        codes = np.full(len(joined), NO_USER, dtype=np.uint32)
        codes[present] = inverse
        user_dict = [str(u) for u in uniques]
        parts = iter(np.split(codes, [len(columns[0])]) if len(columns) == 2 else [codes])
        user_codes = next(parts) if users is not None else None
        actor_codes = next(parts) if actors is not None else None
    else:
        user_codes = None if users is None else _integers(users, np.uint32, "users")
        actor_codes = None if actors is None else _integers(actors, np.uint32, "actors")
    return engine.ingest_columns(
        _integers(ids, np.uint64, "ids"),
        _micros(at),
        _integers(types, np.uint8, "types"),
        app_codes,
        app_dict,
        users=user_codes,
        actors=actor_codes,
        user_dictionary=user_dict,
    )


def ingest_arrow(engine: Engine, table: Any) -> int:
    """Appends log events held in a pyarrow table (or anything with ``__arrow_c_stream__``),
    all or nothing; returns how many.

    Columns: ``id`` (integer), ``at`` (timestamp, any unit; naive timestamps count as UTC),
    ``type`` (strings or dictionary of ``ActivityType`` values), ``app`` (strings or
    dictionary), optional ``user`` and ``actor`` (nullable strings). Strings are dictionary-encoded
    by Arrow and the codes handed over as numpy buffers; no row becomes a Python object.
    """
    import numpy as np
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    if not isinstance(table, pa.Table):
        table = pa.table(table)

    def column(name: str) -> Any:
        if name not in table.column_names:
            raise InvalidInputError(f"column {name} is missing")
        return table.column(name)

    def required(name: str, array: Any) -> Any:
        if array.null_count:
            row = int(pc.index(pc.is_null(array), True).as_py())
            raise InvalidInputError(f"column {name} is null at row {row}")
        return array

    def cast(name: str, target: Any) -> Any:
        array = required(name, column(name).combine_chunks())
        try:
            return array.cast(target)
        except pa.ArrowInvalid as e:  # a value the target cannot hold exactly
            raise InvalidInputError(f"column {name}: {e}") from None
        except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
            raise TypeError(f"column {name} of type {array.type} cannot be read as {target}") from None

    def encoded(array: Any) -> "tuple[Any, list[str]]":
        if not pa.types.is_dictionary(array.type):
            array = pc.dictionary_encode(array)
        indices = pc.fill_null(array.indices.cast(pa.uint32()), NO_USER)
        return indices.to_numpy(zero_copy_only=False), array.dictionary.to_pylist()

    type_codes, type_names = encoded(required("type", column("type").combine_chunks()))
    try:
        remap = np.array([ACTIVITY_TYPES.index(str(n)) for n in type_names], dtype=np.uint8)
    except ValueError:
        unknown = sorted(set(map(str, type_names)) - set(ACTIVITY_TYPES))
        raise InvalidInputError(f"unknown activity types {unknown}") from None
    app_codes, app_names = encoded(required("app", column("app").combine_chunks()))
    ids = cast("id", pa.uint64())
    at = cast("at", pa.timestamp("us"))
    n = table.num_rows
    user_cols = [c for c in ("user", "actor") if c in table.column_names]
    users = actors = None
    user_names: list[str] = []
    if user_cols:
        joined = pa.chunked_array(
            [chunk.cast(pa.string()) for c in user_cols for chunk in table.column(c).chunks],
            type=pa.string(),
        )
        codes, user_names = encoded(joined.combine_chunks())
        parts = dict(zip(user_cols, np.split(codes, [n]) if len(user_cols) == 2 else [codes]))
        users, actors = parts.get("user"), parts.get("actor")
    return engine.ingest_columns(
        ids.to_numpy(zero_copy_only=False),
        at.view(pa.int64()).to_numpy(zero_copy_only=False),
        remap[type_codes] if n else np.zeros(0, dtype=np.uint8),
        app_codes,
        [str(a) for a in app_names],
        users=users,
        actors=actors,
        user_dictionary=[str(u) for u in user_names],
    )


def iter_activity(
    engine: Engine,
    *,
    types: Optional[Iterable[str]] = None,
    users: Optional[Sequence[str]] = None,
    apps: Optional[Sequence[str]] = None,
    since: Optional[datetime] = None,
    until: Optional[datetime] = None,
    page_size: int = MAX_PAGE_SIZE,
) -> Iterator[Event]:
    """Every event matching the filter, newest first, fetched page by page (L2, L3)."""
    cursor: Optional[str] = None
    while True:
        page = engine.activity(
            types=types, users=users, apps=apps, since=since, until=until, cursor=cursor, page_size=page_size
        )
        yield from page.events
        cursor = page.next_cursor
        if cursor is None:
            return


def ingest_record_arrays(
    cube: RecordAggregate,
    at: "npt.ArrayLike",
    apps: "npt.ArrayLike",
    record_types: "npt.ArrayLike",
    actions: "npt.ArrayLike",
    *,
    app_dictionary: Optional[Sequence[str]] = None,
    record_type_dictionary: Optional[Sequence[str]] = None,
) -> int:
    """Counts record events held in numpy arrays into `cube`, all or nothing; returns how many.

    ``at`` is ``datetime64`` (D to ns, UTC) or integers in µs; ``apps``/``record_types`` hold
    strings (dictionary-encoded in Rust), integer codes with their dictionaries, or a pandas
    ``Categorical`` (or categorical ``Series``: its codes and categories cross as they are; a
    missing value, code -1, is refused); ``actions`` holds ``RecordAction.code`` values. No array
    is copied first: those of the exact dtypes (int64 µs, uint32 codes, uint8) are read in place
    while the call holds the GIL, others cast or encoded in Rust in one pass. A wrong dtype,
    dimension or layout (non-contiguous) raises naming the argument; nothing is counted then.
    """
    import numpy as np

    def array(values: Any) -> Any:
        return values if isinstance(values, np.ndarray) else np.asarray(values)

    def coded(values: Any, dictionary: Optional[Sequence[str]]) -> Tuple[Any, Optional[List[str]]]:
        if dictionary is None and hasattr(values, "cat") and hasattr(values, "array"):
            values = values.array  # a categorical Series: its Categorical
        if dictionary is None and hasattr(values, "codes") and hasattr(values, "categories"):
            return np.asarray(values.codes), list(values.categories)
        return array(values), None if dictionary is None else list(dictionary)

    app_codes, app_names = coded(apps, app_dictionary)
    type_codes, type_names = coded(record_types, record_type_dictionary)
    return cube.ingest_arrays(
        array(at),
        app_codes,
        type_codes,
        array(actions),
        app_dictionary=app_names,
        record_type_dictionary=type_names,
    )
