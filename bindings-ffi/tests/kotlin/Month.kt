// A month of the platform end to end (issue 12 §5), through the Kotlin bindings: the payloads of
// core/tests/data/month/ run through every importer into an engine, a record aggregate and a
// usage history; each import report, the views, insights and usage must be what the generator's
// oracle computed (expected.json). JSON is read with Gson and compared as JSON trees.

import com.example.connectedapps.*
import com.google.gson.JsonArray
import com.google.gson.JsonElement
import com.google.gson.JsonNull
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.google.gson.JsonPrimitive
import java.io.File
import java.time.Instant

/** A host value in the JSON shape of expected.json. */
private fun js(value: Any?): JsonElement = when (value) {
    null -> JsonNull.INSTANCE
    is JsonElement -> value
    is String -> JsonPrimitive(value)
    is Boolean -> JsonPrimitive(value)
    is ULong -> JsonPrimitive(value.toLong())
    is UInt -> JsonPrimitive(value.toLong())
    is Number -> JsonPrimitive(value)
    is Instant -> JsonPrimitive(value.toString())
    is Enum<*> -> JsonPrimitive(value.name.lowercase())
    is Map<*, *> -> JsonObject().also { o -> value.forEach { (k, v) -> o.add(k.toString(), js(v)) } }
    is Iterable<*> -> JsonArray().also { a -> value.forEach { a.add(js(it)) } }
    else -> throw IllegalArgumentException("no JSON form for ${value::class}")
}

private fun obj(vararg fields: Pair<String, Any?>): JsonObject = js(mapOf(*fields)) as JsonObject

private fun report(r: ImportReport) = obj(
    "read" to r.read, "imported" to r.imported, "unsupported" to r.unsupported, "by_source" to r.bySource,
    "duplicates" to r.duplicates, "repeat_updates" to r.repeatUpdates, "expired" to r.expired,
    "unresolved_actors" to r.unresolvedActors, "skipped" to r.skipped,
)

private class Month(val dir: File) {
    val expected = JsonParser.parseString(File(dir, "expected.json").readText()).asJsonObject
    val now: Instant = Instant.parse(expected["now"].asString)
    val payloads = expected["files"].asJsonObject.entrySet().associate { (kind, file) ->
        kind to File(dir, file.asString).readLines()
    }
    var engine = AccountEngine.fromJson(File(dir, "directory.json").readText())
    var aggregate = RecordAggregate()
    var history = UsageHistory()

    fun run(kind: String, body: String): ImportReport = when (kind) {
        "webhooks" -> ingestWebhooks(aggregate, body)
        "journal" -> ingestJournal(aggregate, body)
        "security" -> importSecurityActivity(engine, body)
        "audit" -> importAuditLogs(engine, body)
        else -> usageSnapshotsFromDailyUsage(body).also { history.recordAll(it.items) }.report
    }

    /** Runs every step, returning the steps whose report differs from the oracle's. */
    fun runAll(): List<String> = expected["steps"].asJsonArray.mapIndexedNotNull { i, element ->
        val step = element.asJsonObject
        val (kind, line) = step["kind"].asString to step["line"].asInt
        val got = report(run(kind, payloads.getValue(kind)[line]))
        if (got == step["report"]) null else "step $i ($kind line $line): $got, expected ${step["report"]}"
    }

    fun engineView(): JsonObject {
        val connections = engine.connections().sortedWith(compareBy({ it.key.app }, { it.key.user ?: "" })).map {
            val state = engine.connectionState(it.key.app, it.key.user, now)
            obj("app" to it.key.app, "user" to it.key.user, "state" to state)
        }
        val home = engine.connectionsHome(expected["viewer"].asString, now)
        val s = home.summary
        return obj(
            "log_len" to engine.events().size,
            "connections" to connections,
            "home" to obj(
                "viewer" to home.viewer,
                "needs_attention" to home.needsAttention.map {
                    obj(
                        "app" to it.app, "user" to it.user, "state" to it.state, "since" to it.since,
                        "action" to it.action,
                    )
                },
                "my_apps" to home.myApps.map {
                    obj(
                        "app" to it.app, "status" to it.status, "installed_at" to it.installedAt,
                        "installed_by" to it.installedBy, "connections" to it.connections,
                    )
                },
                "other_users_apps" to home.otherUsersApps.map {
                    obj("app" to it.app, "connections" to it.connections, "users" to it.users)
                },
                "summary" to obj(
                    "total" to s.total, "connected" to s.connected, "disconnected" to s.disconnected,
                    "expired" to s.expired, "error" to s.error, "without_status" to s.withoutStatus,
                    "update_available" to s.updateAvailable,
                ),
            ),
        )
    }

    fun insightsView(): JsonObject {
        val spec = expected["insights"].asJsonObject
        val settings = defaultInsightsSettings().copy(windowDays = spec["window_days"].asInt.toUInt())
        val query = InsightsQuery(
            asOf = spec["as_of"].asString,
            includeIncompleteDay = spec["include_incomplete_day"].asBoolean,
            app = null,
            recordType = null,
            groupBy = Grouping(app = true, recordType = true, action = true),
        )
        val insights = aggregate.insights(settings, query, now)
        return obj(
            "as_of" to insights.asOf,
            "include_incomplete_day" to insights.incompleteDayIncluded,
            "window_days" to insights.days.size,
            "days" to insights.days,
            "rows" to insights.rows.map {
                obj(
                    "app" to it.app, "record_type" to it.recordType, "action" to it.action, "daily" to it.daily,
                    "total" to it.total,
                )
            },
        )
    }

    fun usageView(): JsonObject {
        val r = history.report(engine.account(), defaultUsageSettings(), now)
        return obj(
            "today" to r.today, "tier_limit" to r.limits.daily, "limit" to r.limit,
            "reported_limit" to r.reportedLimit, "limit_differs" to r.limitDiffers, "resets_at" to r.resetsAt,
            "reported_resets_at" to r.reportedResetsAt, "reset_differs" to r.resetDiffers,
            "calls_today" to r.callsToday, "thresholds_crossed" to r.thresholdsCrossed,
            "days" to r.days.map { obj("day" to it.day, "calls" to it.calls, "limit" to it.limit) },
            "per_app" to r.perApp.map { obj("app" to it.app, "day" to it.day, "calls" to it.calls) },
            "trend" to obj("last_7_days" to r.trend.last7Days, "previous_7_days" to r.trend.previous7Days),
        )
    }

    /** The views that differ from the oracle's. */
    fun viewFailures(): List<String> = listOf(
        "engine" to engineView(), "insights" to insightsView(), "usage" to usageView(),
    ).mapNotNull { (name, got) -> if (got == expected[name]) null else "$name: $got, expected ${expected[name]}" }

    fun restoreFromSnapshots() {
        val (e, a, h) = Triple(engine, aggregate, history)
        engine = AccountEngine.fromJson(e.toJson())
        aggregate = RecordAggregate.fromJson(a.toJson())
        history = UsageHistory.fromJson(h.toJson())
        e.close()
        a.close()
        h.close()
    }

    fun close() {
        engine.close()
        aggregate.close()
        history.close()
    }
}

/** Runs the month (then again from the three snapshots); returns what differs from the oracle. */
fun monthFailures(repoRoot: File): List<String> {
    val month = Month(File(repoRoot, "core/tests/data/month"))
    try {
        val failures = month.runAll() + month.viewFailures()
        month.restoreFromSnapshots()
        return failures + month.viewFailures().map { "restored $it" }
    } finally {
        month.close()
    }
}

/** The month tests, through the runner of Main.kt. */
fun monthTests() {
    test("a month of the platform through every importer gives the oracle's views, insights and usage") {
        val failed = monthFailures(java.io.File(System.getProperty("repo.root")))
        if (failed.isNotEmpty()) throw AssertionError(failed.joinToString("\n"))
    }
}
