#!/usr/bin/env python3
"""A month of the platform for one account (issue 12 §5): payloads, a directory and the oracle.

Run `python3 core/tests/data/month/generate.py` to rewrite the fixtures next to this file; the
Python host test re-runs `generate()` in memory and checks the committed files are what it
produces. Python standard library only; every random choice comes from one seeded generator, so
the output is byte-for-byte deterministic.

What it writes (one payload per line in the `.jsonl` files, each line the exact body a host
receives from the platform):

- `directory.json`: the engine snapshot to import into (account, users with platform ids and
  e-mails, apps of every level, a few installs made before the month);
- `webhooks.jsonl`: webhook POST bodies (arrays of events) from several apps and from people, with
  retries (`attemptNumber` > 0), a re-sent batch, batches delivered out of order and one batch
  delivered days late;
- `journal.jsonl`: webhooks-journal pages (`{results: [...]}`), one of them read twice after a
  restart;
- `security.jsonl`: security-activity pages (`HydratedCriticalAction`, newest first within a
  page), polled every few days with overlapping spans, installs and uninstalls by known and
  unknown users;
- `audit.jsonl`: one audit-log page (`PublicApiUserActionEvent`);
- `usage.jsonl`: daily API-usage responses for the private apps, three polls a day, some fetches
  failed;
- `expected.json`: the steps in the order a host runs them, each with the import report the
  oracle expects, then the engine's connections and Connections home, record insights per app ×
  record type × action × day, and the usage report's figures.

The oracle below is written from the importers' and views' documented rules, not from the
library's code, and is deliberately naive (lists, dicts and loops).
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo

SEED = 20261130
UTC = timezone.utc
MONTH_START = datetime(2026, 11, 1, tzinfo=UTC)
MONTH_DAYS = 30
NOW = datetime(2026, 11, 30, 22, 0, 0, tzinfo=UTC)
TIME_ZONE = "America/New_York"
TZ = ZoneInfo(TIME_ZONE)
PORTAL_ID = 62515
SUBSCRIBER_APP_ID = 1160452  # the app that subscribed to the webhooks: never credited
DAY_MS = 86_400_000
HORIZON_DAYS = 3  # limits::DEDUPE_HORIZON_DAYS
TIER_DAILY_LIMIT = 625_000  # sales professional, 2025-08 table, no increase
SHARE_THRESHOLDS = [80, 90, 100]  # UsageSettings::default
VIEWER = "u03"

# ---------------------------------------------------------------------------------------------
# The directory
# ---------------------------------------------------------------------------------------------

ACCOUNT = {
    "id": str(PORTAL_ID),
    "name": "Northwind Outfitters",
    "default_language": "en",
    "time_zone": TIME_ZONE,
    "subscriptions": {"marketing": "starter", "sales": "professional"},
    "api_limit_increases": 0,
}

# (id, name, e-mail, platform user id, super admin, marketplace access, active)
USERS = [
    ("u01", "Ada Lovelace", "ada@northwind.example", "9100001", True, True, True),
    ("u02", "Grace Hopper", "Grace.Hopper@Northwind.example", None, False, True, True),
    ("u03", "Alan Turing", "alan@northwind.example", "9100003", False, True, True),
    ("u04", "Katherine Johnson", "katherine@northwind.example", "9100004", False, True, True),
    ("u05", "Edsger Dijkstra", "edsger@northwind.example", "9100005", False, True, False),
    ("u06", "Barbara Liskov", "barbara@northwind.example", "9100006", True, True, True),
    ("u07", "Donald Knuth", "knuth@northwind.example", None, False, True, True),
    ("u08", "Radia Perlman", "radia@northwind.example", "9100008", False, True, True),
]

# How the platform names each actor in security activity and audit logs: (userId, e-mail or None).
ACTORS = {
    "ada": ("9100001", "ada@northwind.example"),
    "grace": ("9100002", "GRACE.HOPPER@northwind.example"),  # no platform id on file: e-mail, any case
    "alan": ("9100003", "alan@northwind.example"),
    "katherine": ("9100004", None),
    "edsger": ("9100005", "edsger@northwind.example"),  # inactive user
    "barbara": ("9100006", "barbara@northwind.example"),
    "knuth": ("9100077", "KNUTH@northwind.example"),  # unknown id, known e-mail
    "radia": ("9100008", "radia@northwind.example"),
    "contractor": ("9100099", "contractor@agency.example"),  # unknown
    "ghost": ("9100097", None),  # unknown, no e-mail
}

SALESFORCE, INVENTORY, INVOICE, ZOOM, GMAIL, SOCIAL, DEDUPE = (
    "54321",
    "77001",
    "77002",
    "88002",
    "88003",
    "91004",
    "66005",
)
UNKNOWN_APP = "12345678"  # installed per security activity, not in the directory
UNLISTED_INTEGRATION = "99001"  # writes records through the API, not in the directory

# (id, name, provider, vendor-built, distribution, level, reports status)
APPS = [
    (SALESFORCE, "Salesforce", "Northwind Platform", True, "marketplace", "account_level", True),
    (INVENTORY, "Inventory Sync", "Northwind IT", False, "off_marketplace", "account_level", False),
    (INVOICE, "Invoice Bridge", "Northwind IT", False, "off_marketplace", "account_level", False),
    (ZOOM, "Zoom", "Zoom Video", False, "marketplace", "user_level", False),
    (GMAIL, "Gmail", "Northwind Platform", True, "marketplace", "user_level", True),
    (SOCIAL, "Social Publisher", "Socialy", False, "marketplace", "multi_account", False),
    (DEDUPE, "Dedupe Pro", "Cleanly", False, "marketplace", "account_level", True),
]
LEVEL = {a[0]: a[5] for a in APPS}
REPORTS_STATUS = {a[0]: a[6] for a in APPS}
APP_NAME = {a[0]: a[1] for a in APPS}

# Installs made before the month: (id, at, app, user, actor).
PRIOR_EVENTS = [
    (1, "2026-10-05T09:12:00Z", SALESFORCE, None, "u01"),
    (2, "2026-10-07T14:30:00Z", INVENTORY, None, "u01"),
    (3, "2026-10-12T10:05:00Z", GMAIL, "u03", "u03"),
    (4, "2026-10-20T16:45:00Z", SOCIAL, None, "u06"),
    (5, "2026-10-25T11:20:00Z", ZOOM, "u04", "u04"),
]


def directory() -> dict[str, Any]:
    users = []
    for uid, name, email, pid, admin, market, active in USERS:
        user: dict[str, Any] = {
            "id": uid,
            "name": name,
            "email": email,
            "active": active,
            "super_admin": admin,
            "permissions": ["app_marketplace_access"] if market else [],
        }
        if pid is not None:
            user["platform_user_id"] = pid
        users.append(user)
    apps = [
        {
            "id": aid,
            "name": name,
            "provider": provider,
            "built_by_vendor_platform": vendor,
            "distribution": dist,
            "level": level,
            "reports_status": status,
            "scopes": [{"name": "crm.objects.contacts.read", "requirement": "optional"}],
            "features": [],
            "workflow_actions": [],
            "post_uninstall_steps": [],
        }
        for aid, name, provider, vendor, dist, level, status in APPS
    ]
    events = []
    for eid, at, app, connection_user, actor in PRIOR_EVENTS:
        event: dict[str, Any] = {"id": eid, "at": at, "app": app}
        if connection_user is not None:
            event["user"] = connection_user
        event["actor"] = actor
        event["kind"] = {"type": "installed", "scopes": []}
        events.append(event)
    return {"version": 1, "account": ACCOUNT, "users": users, "teams": [], "apps": apps, "events": events}


# ---------------------------------------------------------------------------------------------
# Time helpers
# ---------------------------------------------------------------------------------------------


def ms(t: datetime) -> int:
    return int(t.timestamp()) * 1000 + t.microsecond // 1000


def from_ms(m: int) -> datetime:
    return datetime.fromtimestamp(m // 1000, UTC) + timedelta(milliseconds=m % 1000)


def iso_z(t: datetime) -> str:
    """Whole seconds, as chrono, Python hosts and Kotlin's Instant all print them."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(t: datetime) -> str:
    """The platform's own form: milliseconds and a Z."""
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def parse_z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def day_of(m: int) -> date:
    return from_ms(m).date()


# ---------------------------------------------------------------------------------------------
# Record changes: webhooks and the journal
# ---------------------------------------------------------------------------------------------

# Standard record types as the insights name them, by webhook object name and object type id.
TYPE_BY_OBJECT = {"contact": "contacts", "company": "companies", "deal": "deals", "ticket": "tickets"}
TYPE_BY_TYPE_ID = {"0-1": "contacts", "0-2": "companies", "0-3": "deals", "0-5": "tickets"}
CUSTOM_TYPE = "2-4419871"
# Catalogue order of the record types (custom ones after, by id): the order of insight rows.
CATALOGUE_ORDER = (
    "contacts companies deals tickets products line_items quotes tasks notes meetings calls emails leads".split()
)
# One security or audit item: (id, at, app, platform user id, e-mail, event kind).
Activity = tuple[int, datetime, str, Optional[str], Optional[str], str]
ACTIONS = ["created", "updated", "deleted", "merged"]
VERB_ACTION = {"creation": "created", "propertyChange": "updated", "deletion": "deleted", "merge": "merged"}
JOURNAL_ACTION = {"CREATE": "created", "UPDATE": "updated", "DELETE": "deleted", "MERGE": "merged"}
UNSUPPORTED_VERBS = ["restore", "associationChange", "privacyDeletion"]
PROPERTIES = ["email", "phone", "lifecyclestage", "hs_lead_status", "amount", "dealstage", "industry", "city"]

# Who changes records, with weights: (changeSource, sourceId, weight, what it does).
WRITERS = [
    ("INTEGRATION", SALESFORCE, 30, "sync"),
    ("INTEGRATION", DEDUPE, 8, "clean"),
    ("INTEGRATION", INVENTORY, 10, "deals"),
    ("INTEGRATION", UNLISTED_INTEGRATION, 5, "create"),
    ("CRM_UI", "userId:9100001", 10, "sync"),
    ("CRM_UI", "userId:9100004", 8, "sync"),
    ("IMPORT", "import:552201", 4, "create"),
    ("WORKFLOWS", "workflow:8812", 6, "update"),
    ("API", "key:legacy", 3, "update"),
    ("MOBILE_IOS", "userId:9100008", 3, "update"),
]
SUBSCRIPTION_IDS: dict[str, int] = {}


def subscription_id(subscription_type: str) -> int:
    if subscription_type not in SUBSCRIPTION_IDS:
        SUBSCRIPTION_IDS[subscription_type] = 2_881_700 + len(SUBSCRIPTION_IDS)
    return SUBSCRIPTION_IDS[subscription_type]


class Records:
    """The account's records, so that changes name records that exist."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids = {
            "contact": list(range(1001, 1401)),
            "company": list(range(5001, 5121)),
            "deal": list(range(8001, 8161)),
        }
        self.next_id = {"contact": 1401, "company": 5121, "deal": 8161}

    def existing(self, obj: str) -> int:
        return self.rng.choice(self.ids[obj])

    def create(self, obj: str) -> int:
        rid = self.next_id[obj]
        self.next_id[obj] += 1
        self.ids[obj].append(rid)
        return rid

    def delete(self, obj: str) -> int:
        rid = self.rng.choice(self.ids[obj])
        self.ids[obj].remove(rid)
        return rid


def webhook_events(rng: random.Random) -> list[dict[str, Any]]:
    """Every change the month's webhooks report, in occurrence order (before delivery)."""
    records = Records(rng)
    events: list[dict[str, Any]] = []
    used_event_ids: set[int] = set()

    def event(
        at: datetime, subscription_type: str, object_id: Optional[int], source: Optional[tuple[str, str]], **extra: Any
    ) -> None:
        while True:
            eid = rng.randint(100_000_000, 999_999_999)
            if eid not in used_event_ids:
                used_event_ids.add(eid)
                break
        e: dict[str, Any] = {
            "eventId": eid,
            "subscriptionId": subscription_id(subscription_type),
            "portalId": PORTAL_ID,
            "appId": SUBSCRIBER_APP_ID,
            "occurredAt": ms(at),
            "subscriptionType": subscription_type,
            "attemptNumber": 0,
        }
        if object_id is not None:
            e["objectId"] = object_id
        e.update(extra)
        if source is not None:
            e["changeSource"], e["sourceId"] = source
        events.append(e)

    weights = [w[2] for w in WRITERS]
    for d in range(MONTH_DAYS):
        day_start = MONTH_START + timedelta(days=d)
        last_day = d == MONTH_DAYS - 1
        # The last day ends at NOW (22:00 UTC).
        span = 22 * 3600 if last_day else 86_400
        for _ in range(rng.randint(20, 30)):
            at = day_start + timedelta(seconds=rng.randrange(span))
            source, source_id, _, role = rng.choices(WRITERS, weights)[0]
            who = (source, source_id)
            obj = rng.choice(["contact", "contact", "company", "deal"])
            roll = rng.random()
            if role == "clean":  # Dedupe Pro: merges and deletes contacts, updates what it keeps
                if roll < 0.45:
                    primary = records.existing("contact")
                    merged = records.delete("contact")
                    if merged == primary:
                        continue
                    event(at, "contact.merge", primary, who, primaryObjectId=primary, mergedObjectIds=[merged])
                elif roll < 0.7:
                    event(at, "contact.deletion", records.delete("contact"), who)
                else:
                    rid = records.existing("contact")
                    for k in range(rng.randint(1, 3)):
                        event(
                            at + timedelta(seconds=k),
                            "contact.propertyChange",
                            rid,
                            who,
                            propertyName=rng.choice(PROPERTIES),
                        )
                continue
            if role == "deals":
                obj = "deal"
            if role == "create" or (role == "sync" and roll < 0.25):
                event(at, f"{obj}.creation", records.create(obj), who)
            elif role in ("sync", "update", "deals") and roll < 0.9:
                rid = records.existing(obj)
                # Several properties of one record at once; sometimes again later that day.
                for k in range(rng.randint(1, 3)):
                    event(
                        at + timedelta(seconds=k),
                        f"{obj}.propertyChange",
                        rid,
                        who,
                        propertyName=rng.choice(PROPERTIES),
                    )
                if rng.random() < 0.2:
                    later = at + timedelta(seconds=rng.randrange(600, 7200))
                    event(later, f"{obj}.propertyChange", rid, who, propertyName=rng.choice(PROPERTIES))
            elif role in ("sync", "update", "deals"):
                event(at, f"{obj}.deletion", records.delete(obj), who)
            else:
                event(at, f"{obj}.creation", records.create(obj), who)
        # Custom objects through object.* and what the library does not count.
        for _ in range(rng.randint(1, 3)):
            at = day_start + timedelta(seconds=rng.randrange(span))
            event(
                at, "object.creation", rng.randint(70_000, 79_999), ("INTEGRATION", INVENTORY), objectTypeId=CUSTOM_TYPE
            )
        for _ in range(rng.randint(1, 3)):
            at = day_start + timedelta(seconds=rng.randrange(span))
            verb = rng.choice(UNSUPPORTED_VERBS)
            if verb == "associationChange":
                event(
                    at,
                    "contact.associationChange",
                    None,
                    None,
                    fromObjectId=records.existing("contact"),
                    toObjectId=records.existing("company"),
                    associationType="CONTACT_TO_COMPANY",
                )
            else:
                event(at, f"contact.{verb}", records.existing("contact"), ("CRM_UI", "userId:9100001"))
    events.sort(key=lambda e: (e["occurredAt"], e["eventId"]))
    return events


def webhook_batches(rng: random.Random, events: list[dict[str, Any]]) -> list[tuple[int, list[dict[str, Any]]]]:
    """The POST bodies in the order the host receives them, each with its delivery time (ms).

    Events are sent within minutes in batches of at most 100 per 12-hour window; 6 % of them are
    retried hours later (some twice; a few first attempts never arrive); one batch is re-sent
    whole; neighbouring batches sometimes arrive swapped; one batch arrives five days late, past
    the aggregate's horizon.
    """
    deliveries: list[tuple[int, dict[str, Any]]] = []
    for e in events:
        sent = e["occurredAt"] + rng.randrange(2_000, 300_000)
        lost_first = rng.random() < 0.01
        if not lost_first:
            deliveries.append((sent, dict(e)))
        if lost_first or rng.random() < 0.06:
            attempts = 2 if rng.random() < 0.3 else 1
            at = sent
            for attempt in range(1, attempts + 1):
                at += rng.randrange(3_600_000, 9 * 3_600_000)
                retry = dict(e)
                retry["attemptNumber"] = attempt
                deliveries.append((at, retry))
    deliveries.sort(key=lambda d: (d[0], d[1]["eventId"], d[1]["attemptNumber"]))
    window = 12 * 3_600_000
    batches: list[tuple[int, list[dict[str, Any]]]] = []
    for sent, e in deliveries:
        slot = sent // window
        if batches and batches[-1][0] // window == slot and len(batches[-1][1]) < 100:
            batches[-1][1].append(e)
            batches[-1] = (sent, batches[-1][1])
        else:
            batches.append((sent, [e]))
    # Neighbours swapped now and then.
    for i in range(1, len(batches) - 1, 7):
        if rng.random() < 0.6:
            batches[i], batches[i + 1] = batches[i + 1], batches[i]
    # One batch re-sent whole, a day later.
    resent_from = len(batches) // 3
    resent_at, body = batches[resent_from]
    resent = [dict(e, attemptNumber=e["attemptNumber"] + 1) for e in body]
    # One batch (a third into the month's last week) delivered five days late.
    late_from = len(batches) * 2 // 3
    late_at, late = batches.pop(late_from)
    order = [b for b in batches]
    insert_resent = next(i for i, b in enumerate(order) if b[0] > resent_at + DAY_MS)
    order.insert(insert_resent, (resent_at + DAY_MS, resent))
    insert_late = next((i for i, b in enumerate(order) if b[0] > late_at + 5 * DAY_MS), len(order))
    order.insert(insert_late, (late_at + 5 * DAY_MS, late))
    return order


def journal_entries(rng: random.Random) -> list[dict[str, Any]]:
    """Ticket and custom-object changes, which this account reads from the journal."""
    entries: list[dict[str, Any]] = []
    tickets = list(range(30_001, 30_121))
    next_ticket = 30_121
    writers = [
        ("INTEGRATION", ZOOM),
        ("INTEGRATION", INVOICE),
        ("INTEGRATION", SALESFORCE),
        ("CRM_UI", "userId:9100006"),
        ("CONVERSATIONS", "inbox:3"),
        (None, None),
    ]
    for d in range(MONTH_DAYS):
        day_start = MONTH_START + timedelta(days=d)
        span = 22 * 3600 if d == MONTH_DAYS - 1 else 86_400
        for _ in range(rng.randint(6, 12)):
            at = day_start + timedelta(seconds=rng.randrange(span), milliseconds=rng.randrange(1000))
            source, source_id = rng.choice(writers)
            type_id = rng.choice(["0-5", "0-5", CUSTOM_TYPE])
            roll = rng.random()
            if roll < 0.3:
                action = "CREATE"
                if type_id == "0-5":
                    object_id = next_ticket
                    tickets.append(next_ticket)
                    next_ticket += 1
                else:
                    object_id = rng.randint(80_000, 89_999)
            elif roll < 0.8:
                action = "UPDATE"
                object_id = rng.choice(tickets) if type_id == "0-5" else rng.randint(80_000, 80_050)
            elif roll < 0.88:
                action = "DELETE"
                object_id = rng.choice(tickets) if type_id == "0-5" else rng.randint(80_000, 89_999)
            elif roll < 0.93:
                action = "MERGE"
                object_id = rng.choice(tickets) if type_id == "0-5" else rng.randint(80_000, 89_999)
            else:
                action = rng.choice(["RESTORE", "ASSOCIATION_ADDED", "APP_INSTALL"])
                object_id = rng.choice(tickets)
            entry: dict[str, Any] = {
                "offset": "",
                "portalId": PORTAL_ID,
                "appId": SUBSCRIBER_APP_ID,
                "action": action,
                "objectTypeId": type_id,
                "objectId": object_id,
                "occurredAt": iso_millis(at),
            }
            if action == "UPDATE":
                entry["properties"] = [rng.choice(["hs_pipeline_stage", "subject", "hs_ticket_priority"])]
            if source is not None:
                entry["changeSource"], entry["sourceId"] = source, source_id
            entries.append(entry)
            # An app's update often comes with a second one of the same record soon after.
            if action == "UPDATE" and source == "INTEGRATION" and rng.random() < 0.3:
                again = dict(entry, occurredAt=iso_millis(at + timedelta(minutes=rng.randint(1, 90))))
                entries.append(again)
    entries.sort(key=lambda e: e["occurredAt"])
    for i, e in enumerate(entries):
        e["offset"] = f"7c2e{i:08d}-5d1b-4a57-9a43-0b6c2d1e{i:04x}"[:36]
    return entries


def journal_pages(entries: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Read every two days (06:00 UTC) from the last offset; once, after a restart, the host
    reads from an older offset and gets the previous page's entries again."""
    pages: list[tuple[int, dict[str, Any]]] = []
    start = 0
    restart_at = 7
    previous_start = 0
    for k in range(1, MONTH_DAYS // 2 + 1):
        read_at = MONTH_START + timedelta(days=2 * k, hours=6)
        if read_at > NOW:
            read_at = NOW
        until = iso_millis(read_at)
        end = start
        while end < len(entries) and entries[end]["occurredAt"] <= until:
            end += 1
        first = pages_start = start
        if k == restart_at and pages:
            first = previous_start
        pages.append((ms(read_at), {"results": entries[first:end]}))
        previous_start = pages_start
        start = end
    return pages


def record_oracle(steps: list[tuple[str, str]]) -> tuple[list[dict[str, Any]], dict[tuple[str, str, str, str], int]]:
    """Counts the record steps as the importers document it; returns each step's report and the
    counts per (app, record type, action, UTC day)."""
    seen: set[tuple] = set()  # delivery keys counted (and, per app update, record × day keys)
    newest: Optional[int] = None
    floor = 0
    counts: dict[tuple[str, str, str, str], int] = {}
    reports = []
    key: tuple[Any, ...]
    for kind, body in steps:
        items = json.loads(body)
        items = items["results"] if isinstance(items, dict) else items
        report = empty_report()
        deliveries = []
        for item in items:
            report["read"] += 1
            if kind == "webhooks":
                obj, verb = item["subscriptionType"].split(".")
                if verb not in VERB_ACTION:
                    bump(report["unsupported"], item["subscriptionType"])
                    continue
                action = VERB_ACTION[verb]
                record_type = item["objectTypeId"] if obj == "object" else TYPE_BY_OBJECT[obj]
                key = ("webhook", item["subscriptionId"], item["eventId"], item["objectId"], item["occurredAt"])
                at = item["occurredAt"]
            else:
                if item["action"] not in JOURNAL_ACTION:
                    bump(report["unsupported"], item["action"])
                    continue
                action = JOURNAL_ACTION[item["action"]]
                record_type = TYPE_BY_TYPE_ID.get(item["objectTypeId"], item["objectTypeId"])
                key = ("journal", item["offset"])
                at = ms(parse_z(item["occurredAt"]))
            source = item.get("changeSource", "NONE")
            app = item["sourceId"] if source == "INTEGRATION" else None
            deliveries.append((at, key, source, app, record_type, action, item["objectId"]))
        # Oldest first within the payload (a stable sort).
        deliveries.sort(key=lambda d: d[0])
        in_batch: set[tuple] = set()
        for at, key, source, app, record_type, action, object_id in deliveries:
            if key in in_batch:
                report["duplicates"] += 1
                continue
            if newest is not None and at < floor:
                report["expired"] += 1
                continue
            if key in seen:
                report["duplicates"] += 1
                continue
            in_batch.add(key)
            bump(report["by_source"], source)
            if app is None:
                continue
            if action == "updated":
                once = ("updated", app, record_type, str(object_id), at // DAY_MS)
                if once in seen or once in in_batch:
                    report["repeat_updates"] += 1
                    continue
                in_batch.add(once)
            cell = (app, record_type, action, day_of(at).isoformat())
            counts[cell] = counts.get(cell, 0) + 1
            report["imported"] += 1
        # Remembering what counted moves the horizon: three UTC days before the newest day.
        seen |= in_batch
        for at, key, *_ in deliveries:
            if key in in_batch:
                newest = at if newest is None else max(newest, at)
        if newest is not None:
            floor = max(floor, (newest // DAY_MS - HORIZON_DAYS) * DAY_MS)
        reports.append(report)
    return reports, counts


def empty_report() -> dict[str, Any]:
    return {
        "read": 0,
        "imported": 0,
        "unsupported": {},
        "by_source": {},
        "duplicates": 0,
        "repeat_updates": 0,
        "expired": 0,
        "unresolved_actors": {},
        "skipped": {},
    }


def bump(counter: dict[str, int], key: str) -> None:
    counter[key] = counter.get(key, 0) + 1


def insight_rows(counts: dict[tuple[str, str, str, str], int], days: list[date]) -> list[dict[str, Any]]:
    """Rows of the view by app × record type × action: apps by id, types in catalogue order
    (custom ones after, by id), actions created, updated, deleted, merged; only non-empty rows."""
    keys = sorted({(app, rt, action) for (app, rt, action, _day) in counts})

    def order(k: tuple[str, str, str]) -> tuple:
        app, rt, action = k
        rank = CATALOGUE_ORDER.index(rt) if rt in CATALOGUE_ORDER else len(CATALOGUE_ORDER)
        return (app, rank, rt, ACTIONS.index(action))

    rows = []
    for app, rt, action in sorted(keys, key=order):
        daily = [counts.get((app, rt, action, d.isoformat()), 0) for d in days]
        if any(daily):
            rows.append({"app": app, "record_type": rt, "action": action, "daily": daily, "total": sum(daily)})
    return rows


# ---------------------------------------------------------------------------------------------
# Security activity and audit logs
# ---------------------------------------------------------------------------------------------

# The month's app activity in security activity: (day, hour, type, app, actor).
SECURITY_PLAN = [
    (2, 10, "INSTALL_INTEGRATION", INVOICE, "ada"),
    (3, 15, "INSTALL_INTEGRATION", GMAIL, "grace"),
    (4, 9, "INSTALL_INTEGRATION", ZOOM, "contractor"),  # user-level, unknown actor: skipped
    (5, 11, "INSTALL_INTEGRATION", DEDUPE, "barbara"),
    (6, 16, "UNINSTALL_INTEGRATION", INVENTORY, "edsger"),  # inactive user still resolves
    (7, 8, "INSTALL_INTEGRATION", INVENTORY, "ada"),  # a reinstall
    (8, 13, "INSTALL_INTEGRATION", UNKNOWN_APP, "ada"),  # not in the directory
    (9, 10, "INSTALL_INTEGRATION", GMAIL, "katherine"),
    (10, 17, "UNINSTALL_INTEGRATION", DEDUPE, "barbara"),
    (11, 9, "INSTALL_INTEGRATION", SALESFORCE, "ada"),  # already installed since October
    (12, 14, "INSTALL_INTEGRATION", ZOOM, "knuth"),  # e-mail resolves
    (14, 12, "UNINSTALL_INTEGRATION", SOCIAL, "ghost"),  # unknown, imported without an actor
    (15, 10, "INSTALL_INTEGRATION", DEDUPE, "barbara"),
    (17, 15, "UNINSTALL_INTEGRATION", GMAIL, "alan"),
    (18, 11, "UNINSTALL_INTEGRATION", UNKNOWN_APP, "ada"),
    (19, 9, "UNINSTALL_INTEGRATION", ZOOM, "edsger"),  # his connection never existed
    (20, 16, "INSTALL_INTEGRATION", SOCIAL, "radia"),
    (21, 10, "INSTALL_INTEGRATION", ZOOM, "radia"),
    (22, 11, "INSTALL_INTEGRATION", GMAIL, "alan"),
    (23, 14, "UNINSTALL_INTEGRATION", ZOOM, "katherine"),
    (24, 10, "UNINSTALL_INTEGRATION", INVOICE, "ada"),
    (25, 9, "INSTALL_INTEGRATION", INVOICE, "contractor"),  # account-level: imported, no actor
    (26, 13, "INSTALL_INTEGRATION", ZOOM, "ada"),
    (27, 16, "UNINSTALL_INTEGRATION", ZOOM, "radia"),
]
NOISE_TYPES = [
    "LOGIN_SUCCESS",
    "LOGIN_SUCCESS",
    "LOGIN_SUCCESS",
    "PRIVATE_APP_ACCESS_TOKEN_ROTATE",
    "ADD_USER",
    "PASSWORD_CHANGE",
]
SECURITY_POLL_DAYS = [5, 9, 13, 17, 21, 25, 29]  # polled at 06:00 UTC, each reading six days back
SECURITY_LOOKBACK_DAYS = 6
SECURITY_PAGE_SIZE = 20


def security_items(rng: random.Random) -> list[dict[str, Any]]:
    items = []
    next_id = 1_847_390_000
    plan: list[tuple[datetime, str, Optional[str], str]] = [
        (
            MONTH_START + timedelta(days=d - 1, hours=h, minutes=rng.randrange(60), seconds=rng.randrange(60)),
            t,
            app,
            actor,
        )
        for d, h, t, app, actor in SECURITY_PLAN
    ]
    for d in range(MONTH_DAYS - 2):
        for _ in range(rng.randint(1, 4)):
            at = MONTH_START + timedelta(days=d, seconds=rng.randrange(86_400))
            plan.append((at, rng.choice(NOISE_TYPES), None, rng.choice(list(ACTORS))))
    plan.sort(key=lambda p: p[0])
    for at, kind, app, actor in plan:
        next_id += rng.randint(1, 40)
        uid, email = ACTORS[actor]
        item: dict[str, Any] = {"id": str(next_id), "type": kind, "userId": int(uid)}
        if email is not None:
            item["actingUser"] = email
        item["createdAt"] = iso_millis(at)
        if app is not None:
            item["objectId"] = app
            item["infoUrl"] = f"https://app.hubspot.com/integrations-settings/{PORTAL_ID}/installed"
        item["ipAddress"] = f"203.0.113.{rng.randint(1, 250)}"
        item["countryCode"] = "us"
        items.append(item)
    return items


def security_pages(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each poll returns the last days newest first, in pages; the host imports a poll's pages
    oldest page first (as the importer needs: the log only grows forward)."""
    pages = []
    for day in SECURITY_POLL_DAYS:
        until = MONTH_START + timedelta(days=day - 1, hours=6)
        since = until - timedelta(days=SECURITY_LOOKBACK_DAYS)
        span = [i for i in items if since <= parse_z(i["createdAt"]) < until]
        span.sort(key=lambda i: i["createdAt"], reverse=True)
        poll = []
        for p in range(0, len(span), SECURITY_PAGE_SIZE):
            page: dict[str, Any] = {"results": span[p : p + SECURITY_PAGE_SIZE]}
            if p + SECURITY_PAGE_SIZE < len(span):
                after = span[p + SECURITY_PAGE_SIZE - 1]["id"]
                page["paging"] = {
                    "next": {
                        "after": after,
                        "link": f"https://api.hubapi.com/account-info/v3/activity/security?after={after}",
                    }
                }
            poll.append(page)
        pages.extend(reversed(poll))
    return pages


# The audit log read once at the end: (at, id, category, action, app, actor).
AUDIT_PLAN = [
    ("2026-11-27T10:00:00Z", "CONNECTED_APPS", "INSTALL", INVOICE, "ada"),  # older than the log
    ("2026-11-28T18:00:00Z", "INTEGRATIONS", "DISCONNECT", DEDUPE, "barbara"),
    ("2026-11-29T09:00:00Z", "INTEGRATIONS", "DISCONNECT", SALESFORCE, "ada"),
    ("2026-11-29T14:00:00Z", "CONNECTED_APPS", "RECONNECT", SALESFORCE, "ada"),
    ("2026-11-29T16:00:00Z", "PROPERTY_MAPPINGS", "DISCONNECT", SALESFORCE, "ada"),  # not an app event
    ("2026-11-30T08:00:00Z", "INTEGRATIONS", "DISCONNECT", GMAIL, "alan"),
    ("2026-11-30T09:00:00Z", "INTEGRATIONS", "DISCONNECTED", INVENTORY, "contractor"),
    ("2026-11-30T10:00:00Z", "PROPERTY", "UPDATE", "lifecyclestage", "grace"),
    ("2026-11-30T11:00:00Z", "INTEGRATIONS", "CONNECT", ZOOM, "contractor"),  # user-level, unknown
    ("2026-11-30T12:00:00Z", "INTEGRATIONS", "DISCONNECT", GMAIL, "alan"),  # already disconnected
    ("2026-11-30T13:00:00Z", "INTEGRATIONS", "DISCONNECT", SOCIAL, "radia"),
]
AUDIT_KIND = {
    "INSTALL": "installed",
    "INSTALLED": "installed",
    "UNINSTALL": "uninstalled",
    "UNINSTALLED": "uninstalled",
    "CONNECT": "connected",
    "CONNECTED": "connected",
    "DISCONNECT": "disconnected",
    "DISCONNECTED": "disconnected",
    "RECONNECT": "reconnected",
    "RECONNECTED": "reconnected",
}
APP_CATEGORIES = {
    "INTEGRATIONS",
    "INTEGRATION",
    "CONNECTED_APPS",
    "CONNECTED_APP",
    "APPS",
    "APP",
    "APP_MARKETPLACE",
    "MARKETPLACE_APPS",
}


def audit_page() -> dict[str, Any]:
    results = []
    for k, (at, category, action, target, actor) in enumerate(reversed(AUDIT_PLAN)):
        uid, email = ACTORS[actor]
        acting: dict[str, Any] = {"userId": int(uid)}
        if email is not None:
            acting["userEmail"] = email
        results.append(
            {
                "id": str(6_200_000_100 - k),
                "actingUser": acting,
                "action": action,
                "category": category,
                "subCategory": "CONNECTED_APP" if category in APP_CATEGORIES else "CONTACT_PROPERTY",
                "occurredAt": at.replace("Z", ".000Z"),
                "targetObjectId": target,
            }
        )
    return {"results": results}


class EngineOracle:
    """The engine's connections, as the documented lifecycle rules fold the imported events."""

    def __init__(self) -> None:
        self.users = {u[0]: u for u in USERS}
        self.log_ids: set[int] = set()
        self.newest: Optional[datetime] = None
        self.log_len = 0
        # (app, user or "") -> connection
        self.conns: dict[tuple[str, str], dict[str, Any]] = {}
        for eid, at, app, user, actor in PRIOR_EVENTS:
            self.apply(eid, parse_z(at), app, user, actor, "installed")

    def resolve(self, uid: Optional[str], email: Optional[str]) -> Optional[str]:
        for u in USERS:
            if uid is not None and u[3] == uid:
                return u[0]
        for u in USERS:
            if email is not None and u[2].lower() == email.lower():
                return u[0]
        return None

    def apply(
        self, eid: int, at: datetime, app: str, user: Optional[str], actor: Optional[str], kind: str
    ) -> Optional[str]:
        """Appends one event; returns why it was refused, or None."""
        if self.newest is not None and at < self.newest:
            return "older than the log"
        key = (app, user or "")
        conn = self.conns.get(key)
        installed = conn is not None and conn["health"] != "uninstalled"
        if kind in ("installed", "reinstalled"):
            if installed:
                return "already installed"
            self.conns[key] = {
                "app": app,
                "user": user,
                "first_installed_at": conn["first_installed_at"] if conn else at,
                "first_installed_by": conn["first_installed_by"] if conn else actor,
                "installed_at": at,
                "installed_by": actor,
                "health": "connected",
                "since": at,
            }
        else:
            if not installed:
                return "not installed"
            assert conn is not None
            health = {
                "uninstalled": "uninstalled",
                "connected": "connected",
                "reconnected": "connected",
                "disconnected": "disconnected",
            }[kind]
            if kind in ("connected", "reconnected") and conn["health"] == "connected":
                return "already in that state"
            if kind == "disconnected" and conn["health"] == "disconnected":
                return "already in that state"
            if health != conn["health"]:
                conn["since"] = at
            conn["health"] = health
        self.log_ids.add(eid)
        self.newest = at
        self.log_len += 1
        return None

    def import_items(self, items: list[Activity], report: dict[str, Any]) -> None:
        """Items as (id, at, app, platform user id, e-mail, kind), oldest first (by time, id)."""
        for eid, at, app, uid, email, kind in sorted(items, key=lambda i: (i[1], i[0])):
            if eid in self.log_ids:
                bump(report["skipped"], "already in the log")
                continue
            actor = self.resolve(uid, email)
            if actor is None:
                label = f"{uid} <{email}>" if uid and email else (uid or email or "")
                bump(report["unresolved_actors"], label)
            if app not in LEVEL:
                bump(report["skipped"], "unknown app")
                continue
            user = None
            if LEVEL[app] == "user_level":
                if actor is None:
                    bump(report["skipped"], "user-level app with an unknown actor")
                    continue
                user = actor
            refused = self.apply(eid, at, app, user, actor, kind)
            if refused is None:
                report["imported"] += 1
            else:
                bump(report["skipped"], refused)

    def import_security(self, page: dict[str, Any]) -> dict[str, Any]:
        report = empty_report()
        items: list[Activity] = []
        for item in page["results"]:
            report["read"] += 1
            kind = {"INSTALL_INTEGRATION": "installed", "UNINSTALL_INTEGRATION": "uninstalled"}.get(item["type"])
            if kind is None:
                bump(report["unsupported"], item["type"])
                continue
            items.append(
                (
                    int(item["id"]),
                    parse_z(item["createdAt"]),
                    item["objectId"],
                    str(item["userId"]),
                    item.get("actingUser"),
                    kind,
                )
            )
        self.import_items(items, report)
        return report

    def import_audit(self, page: dict[str, Any]) -> dict[str, Any]:
        report = empty_report()
        items: list[Activity] = []
        for item in page["results"]:
            report["read"] += 1
            kind = AUDIT_KIND.get(item["action"].upper())
            if item["category"].upper() not in APP_CATEGORIES or kind is None:
                bump(report["unsupported"], f"{item['category']}/{item['action']}")
                continue
            acting = item["actingUser"]
            items.append(
                (
                    int(item["id"]),
                    parse_z(item["occurredAt"]),
                    item["targetObjectId"],
                    str(acting["userId"]),
                    acting.get("userEmail"),
                    kind,
                )
            )
        self.import_items(items, report)
        return report

    def views(self) -> dict[str, Any]:
        connections = [
            {"app": c["app"], "user": c["user"], "state": c["health"]} for _, c in sorted(self.conns.items())
        ]
        my_apps: list[dict[str, Any]] = []
        others: list[dict[str, Any]] = []
        attention: list[dict[str, Any]] = []
        summary = {
            "total": 0,
            "connected": 0,
            "disconnected": 0,
            "expired": 0,
            "error": 0,
            "without_status": 0,
            "update_available": 0,
        }
        for aid, name, *_ in APPS:
            installed = [c for (app, _), c in sorted(self.conns.items()) if app == aid and c["health"] != "uninstalled"]
            if not installed:
                continue
            first = min(installed, key=lambda c: (c["first_installed_at"], c["user"] or ""))
            if LEVEL[aid] == "user_level":
                own = next((c for c in installed if c["user"] == VIEWER), None)
            else:
                own = first
            if own is None:
                users = sorted(c["user"] for c in installed)
                others.append({"app": aid, "connections": len(users), "users": users})
                continue
            status = own["health"] if REPORTS_STATUS[aid] and LEVEL[aid] != "multi_account" else None
            if LEVEL[aid] != "multi_account":
                summary["total"] += 1
                if own["health"] == "disconnected":
                    summary["disconnected"] += 1
                    attention.append(
                        {
                            "app": aid,
                            "user": own["user"],
                            "state": "disconnected",
                            "since": iso_z(own["since"]),
                            "action": "reconnect",
                        }
                    )
                elif status == "connected":
                    summary["connected"] += 1
                else:
                    summary["without_status"] += 1
            if LEVEL[aid] == "user_level":
                at, by = first["first_installed_at"], first["first_installed_by"]
            else:
                at, by = own["installed_at"], own["installed_by"]
            my_apps.append(
                {
                    "app": aid,
                    "name": name,
                    "status": status,
                    "installed_at": iso_z(at),
                    "installed_by": by,
                    "connections": len(installed),
                }
            )
        my_apps.sort(key=lambda r: (r["name"], r["app"]))
        for row in my_apps:
            del row["name"]
        others.sort(key=lambda r: (APP_NAME[r["app"]], r["app"]))
        attention.sort(key=lambda a: (a["since"], APP_NAME[a["app"]], a["app"], a["user"] or ""))
        return {
            "log_len": self.log_len,
            "connections": connections,
            "home": {
                "viewer": VIEWER,
                "needs_attention": attention,
                "my_apps": my_apps,
                "other_users_apps": others,
                "summary": summary,
            },
        }


# ---------------------------------------------------------------------------------------------
# Daily API usage of the private apps
# ---------------------------------------------------------------------------------------------

USAGE_APPS = ["inventory-sync", "invoice-bridge", "warehouse-etl", "legacy-export"]
POLL_TIMES = [(8, 0), (14, 0), (23, 50)]  # local times
LIMIT_CHANGED_ON = date(2026, 11, 16)  # the platform starts reporting 650,000 (the changelog's figure)


def local_midnight_after(t: datetime) -> datetime:
    local = t.astimezone(TZ).date() + timedelta(days=1)
    return datetime(local.year, local.month, local.day, tzinfo=TZ).astimezone(UTC)


def usage_polls(rng: random.Random) -> list[dict[str, Any]]:
    first_local = date(2026, 11, 1)
    today = NOW.astimezone(TZ).date()
    daily: dict[tuple[str, date], int] = {}
    polls = []
    day = first_local
    while day <= today:
        weekend = day.weekday() >= 5
        base = {"inventory-sync": 210_000, "invoice-bridge": 70_000, "warehouse-etl": 40_000}
        for app, b in base.items():
            scale = 0.35 if weekend else 1.0
            daily[(app, day)] = int(b * scale * rng.uniform(0.8, 1.2))
        if day == today:  # a heavy last day: well past 80 % of the limit by 14:00
            daily.update(
                {("inventory-sync", day): 600_000, ("invoice-bridge", day): 250_000, ("warehouse-etl", day): 110_000}
            )
        for hour, minute in POLL_TIMES:
            local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
            poll_at = local.astimezone(UTC)
            if poll_at > NOW:
                continue
            results = []
            for k, app in enumerate(USAGE_APPS):
                collected = poll_at + timedelta(seconds=k * 7)
                limit = 650_000 if day >= LIMIT_CHANGED_ON else TIER_DAILY_LIMIT
                status = "SUCCESS"
                if app == "legacy-export":
                    status = "NOTFOUND"
                elif day != today:  # today's fetches all succeed
                    roll = rng.random()
                    if roll < 0.04:
                        status = "FAILURE"
                    elif roll < 0.07:
                        status = "TIMEOUT"
                    elif roll < 0.2:
                        status = "CACHED"
                        collected -= timedelta(minutes=7)
                elapsed = (collected.astimezone(TZ) - datetime(day.year, day.month, day.day, tzinfo=TZ)).total_seconds()
                share = max(0.0, min(1.0, elapsed / 86_400))
                usage = int(daily.get((app, day), 0) * share) if status in ("SUCCESS", "CACHED") else 0
                item: dict[str, Any] = {
                    "name": app,
                    "currentUsage": usage,
                    "usageLimit": limit,
                    "fetchStatus": status,
                    "collectedAt": iso_millis(collected),
                }
                if status == "SUCCESS":
                    item["resetsAt"] = iso_millis(local_midnight_after(collected))
                results.append(item)
            polls.append({"results": results})
        day += timedelta(days=1)
    return polls


def usage_oracle(polls: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    reports = []
    readings = []  # (at, app, calls, limit, resets_at)
    for poll in polls:
        report = empty_report()
        for item in poll["results"]:
            report["read"] += 1
            if item["fetchStatus"] not in ("SUCCESS", "CACHED"):
                bump(report["unsupported"], f"fetch status {item['fetchStatus']}")
                continue
            report["imported"] += 1
            resets = parse_z(item["resetsAt"]) if "resetsAt" in item else None
            readings.append(
                (parse_z(item["collectedAt"]), item["name"], item["currentUsage"], item["usageLimit"], resets)
            )
        reports.append(report)
    today = NOW.astimezone(TZ).date()
    window = [today - timedelta(days=k) for k in range(29, -1, -1)]
    per_app: dict[tuple[str, date], int] = {}
    latest_limit: dict[date, tuple[datetime, int]] = {}
    latest_reset: dict[date, tuple[datetime, datetime]] = {}
    for at, app, calls, limit, resets in readings:
        day = at.astimezone(TZ).date()
        per_app[(app, day)] = max(per_app.get((app, day), 0), calls)
        if day not in latest_limit or latest_limit[day][0] <= at:
            latest_limit[day] = (at, limit)
        if resets is not None and (day not in latest_reset or latest_reset[day][0] <= at):
            latest_reset[day] = (at, resets)

    def total(day: date) -> int:
        return sum(c for (a, d), c in per_app.items() if d == day)

    def limit_on(day: date) -> int:
        return latest_limit[day][1] if day in latest_limit else TIER_DAILY_LIMIT

    calls_today = total(today)
    limit = limit_on(today)
    reported = latest_limit[today][1] if today in latest_limit else None
    resets_at = local_midnight_after(NOW)
    reported_reset = latest_reset[today][1] if today in latest_reset else None
    expected = {
        "today": today.isoformat(),
        "tier_limit": TIER_DAILY_LIMIT,
        "limit": limit,
        "reported_limit": reported,
        "limit_differs": reported is not None and reported != TIER_DAILY_LIMIT,
        "resets_at": iso_z(resets_at),
        "reported_resets_at": iso_z(reported_reset) if reported_reset else None,
        "reset_differs": reported_reset is not None and reported_reset != resets_at,
        "calls_today": calls_today,
        "thresholds_crossed": [p for p in sorted(set(SHARE_THRESHOLDS)) if calls_today * 100 >= p * limit],
        "days": [{"day": d.isoformat(), "calls": total(d), "limit": limit_on(d)} for d in window],
        "per_app": [
            {"app": a, "day": d.isoformat(), "calls": c}
            for (a, d), c in sorted(per_app.items(), key=lambda kv: (kv[0][1], kv[0][0]))
            if c > 0 and window[0] <= d <= today
        ],
        "trend": {
            "last_7_days": sum(total(today - timedelta(days=k)) for k in range(1, 8)),
            "previous_7_days": sum(total(today - timedelta(days=k)) for k in range(8, 15)),
        },
    }
    return reports, expected


# ---------------------------------------------------------------------------------------------
# The month
# ---------------------------------------------------------------------------------------------


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def layout(value: Any, indent: str = "") -> str:
    """JSON with objects spread over lines and lists of objects one compact item per line."""
    inner = indent + " "
    if isinstance(value, dict) and value:
        fields = [f"{inner}{json.dumps(k)}: {layout(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(fields) + "\n" + indent + "}"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "[\n" + ",\n".join(inner + compact(v) for v in value) + "\n" + indent + "]"
    return compact(value)


def generate() -> dict[str, str]:
    """Every fixture file's text, by name."""
    SUBSCRIPTION_IDS.clear()
    rng = random.Random(SEED)

    webhooks = [(at, compact(body)) for at, body in webhook_batches(rng, webhook_events(rng))]
    journal = [(at, compact(page)) for at, page in journal_pages(journal_entries(rng))]
    security = [compact(page) for page in security_pages(security_items(rng))]
    audit = [compact(audit_page())]
    polls = usage_polls(rng)
    usage = [compact(p) for p in polls]

    # Record steps in the order they reach the host: webhook batches and journal reads by time
    # (a journal read comes after the batches delivered before it).
    record_steps = sorted(
        [(at, 0, i, "webhooks", body) for i, (at, body) in enumerate(webhooks)]
        + [(at, 1, i, "journal", body) for i, (at, body) in enumerate(journal)],
    )
    record_reports, counts = record_oracle([(kind, body) for _, _, _, kind, body in record_steps])

    engine = EngineOracle()
    security_reports = [engine.import_security(json.loads(page)) for page in security]
    audit_reports = [engine.import_audit(json.loads(page)) for page in audit]
    usage_reports, usage_expected = usage_oracle(polls)

    steps: list[dict[str, Any]] = []
    for (_, _, i, kind, _), report in zip(record_steps, record_reports):
        steps.append({"kind": kind, "line": i, "report": report})
    steps += [{"kind": "security", "line": i, "report": r} for i, r in enumerate(security_reports)]
    steps += [{"kind": "audit", "line": i, "report": r} for i, r in enumerate(audit_reports)]
    steps += [{"kind": "usage", "line": i, "report": r} for i, r in enumerate(usage_reports)]

    as_of = NOW.date()
    days = [as_of - timedelta(days=k) for k in range(29, -1, -1)]
    expected = {
        "about": "written by generate.py: the oracle's expectations for the month's fixtures",
        "now": iso_z(NOW),
        "viewer": VIEWER,
        "files": {
            "webhooks": "webhooks.jsonl",
            "journal": "journal.jsonl",
            "security": "security.jsonl",
            "audit": "audit.jsonl",
            "usage": "usage.jsonl",
        },
        "steps": steps,
        "totals": {
            "webhook_events": sum(len(json.loads(b)) for _, b in webhooks),
            "journal_entries": sum(len(json.loads(b)["results"]) for _, b in journal),
            "security_items": sum(len(json.loads(p)["results"]) for p in security),
        },
        "engine": engine.views(),
        "insights": {
            "as_of": as_of.isoformat(),
            "include_incomplete_day": True,
            "window_days": 30,
            "days": [d.isoformat() for d in days],
            "rows": insight_rows(counts, days),
        },
        "usage": usage_expected,
    }
    return {
        "directory.json": json.dumps(directory(), indent=1) + "\n",
        "webhooks.jsonl": "".join(body + "\n" for _, body in webhooks),
        "journal.jsonl": "".join(body + "\n" for _, body in journal),
        "security.jsonl": "".join(page + "\n" for page in security),
        "audit.jsonl": "".join(page + "\n" for page in audit),
        "usage.jsonl": "".join(p + "\n" for p in usage),
        "expected.json": layout(expected) + "\n",
    }


def main() -> int:
    here = Path(__file__).resolve().parent
    for name, text in generate().items():
        (here / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
