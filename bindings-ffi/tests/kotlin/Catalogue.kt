// The catalogue of bad inputs (core/tests/data/bad_inputs.json), run through the Kotlin bindings.
// Inputs in the core's JSON shape are read with the library's own `*FromJson` functions, so an
// unknown field or value is refused by the same rule as in Rust; each case must throw the
// exception of its kind and leave the engine's JSON unchanged. JSON is read with Gson.

import com.example.connectedapps.*
import com.google.gson.JsonArray
import com.google.gson.JsonElement
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File
import java.time.Instant

private fun kindOf(e: ConnectedAppsException): String = when (e) {
    is ConnectedAppsException.NotFound -> "not_found"
    is ConnectedAppsException.PermissionDenied -> "permission_denied"
    is ConnectedAppsException.Conflict -> "conflict"
    is ConnectedAppsException.InvalidState -> "invalid_state"
    is ConnectedAppsException.InvalidInput -> "invalid_input"
    is ConnectedAppsException.Internal -> "internal"
}

private fun child(node: JsonElement, key: JsonElement): JsonElement =
    if (key.asJsonPrimitive.isNumber) node.asJsonArray[key.asInt] else node.asJsonObject[key.asString]

/** The bundled sample with a case's patch applied: set a value, append to a list, or remove. */
private fun patched(sample: String, patch: JsonArray): String {
    val doc = JsonParser.parseString(sample)
    for (element in patch) {
        val step = element.asJsonObject
        val path = step.getAsJsonArray("path").toList()
        var node = doc
        for (key in path.dropLast(1)) node = child(node, key)
        val last = path.last()
        when {
            step.has("remove") && last.asJsonPrimitive.isNumber -> node.asJsonArray.remove(last.asInt)
            step.has("remove") -> node.asJsonObject.remove(last.asString)
            step.has("append") -> child(node, last).asJsonArray.add(step["append"])
            last.asJsonPrimitive.isNumber -> node.asJsonArray[last.asInt] = step["value"]
            else -> node.asJsonObject.add(last.asString, step["value"])
        }
    }
    return doc.toString()
}

private fun filter(spec: JsonElement?): ActivityFilter = activityFilterFromJson(spec?.toString() ?: "{}")

/** What a case may change: the engine, a record aggregate and a usage history. */
private class Subject(sample: String) {
    val engine = AccountEngine.fromJson(sample)
    val records = RecordAggregate()
    val usage = UsageHistory()

    fun json() = listOf(engine.toJson(), records.toJson(), usage.toJson())

    fun close() {
        engine.close()
        records.close()
        usage.close()
    }
}

private fun insights(records: RecordAggregate, c: JsonObject) {
    val now = Instant.parse(c["now"].asString)
    val settings = defaultInsightsSettings().copy(windowDays = c["window_days"].asLong.toUInt())
    val query = InsightsQuery(now.toString().substring(0, 10), false, null, null, Grouping(false, false, false))
    records.insights(settings, query, now)
}

private fun recordColumns(records: RecordAggregate, c: JsonObject) {
    val rows = c.getAsJsonArray("rows").map { it.asJsonArray }
    records.ingestColumns(
        RecordEventColumns(
            rows.map { it[0].asLong },
            rows.map { it[1].asLong.toUInt() },
            (0 until c["app_dictionary_len"].asInt).map { "app-$it" },
            rows.map { it[2].asLong.toUInt() },
            (0 until c["type_dictionary_len"].asInt).map { "2-$it" },
            ByteArray(rows.size) { rows[it][3].asInt.toByte() },
        ),
    )
}

private fun run(subject: Subject, c: JsonObject, sample: String) {
    val engine = subject.engine
    when (val op = c["op"].asString) {
        "execute" -> {
            val actor = if (c["actor"].isJsonNull) Actor.System else Actor.User(c["actor"].asString)
            engine.execute(actor, commandFromJson(c["command"].toString()), Instant.parse(c["now"].asString))
        }
        "import_ndjson" -> engine.importNdjson(c["text"].asString)
        "restore" -> AccountEngine.fromJson(patched(sample, c.getAsJsonArray("patch")))
        "restore_text" -> AccountEngine.fromJson(
            if (c.has("truncate")) sample.substring(0, c["truncate"].asInt) else c["text"].asString,
        )
        "activity" -> {
            val cursor = if (c.has("cursor_from")) {
                engine.activity(filter(c["cursor_from"]), null, 1u).nextCursor
            } else {
                c["cursor"]?.asString
            }
            engine.activity(filter(c["filter"]), cursor, c["page_size"].asLong.toULong())
        }
        "facets" -> engine.activityFacets(filter(c["filter"]))
        "add_user" -> engine.addUser(userFromJson(c["user"].toString()))
        "add_team" -> engine.addTeam(teamFromJson(c["team"].toString()))
        "add_app" -> engine.addApp(appFromJson(c["app"].toString()))
        "set_account" -> engine.setAccount(accountFromJson(c["account"].toString()))
        "set_user_active" -> engine.setUserActive(c["user"].asString, c["active"].asBoolean)
        "create_rule" -> engine.createRule(c["actor"].asString, ruleFromJson(c["rule"].toString()), Instant.parse(c["now"].asString))
        "dry_run" -> engine.dryRunNotifications(
            c.getAsJsonArray("rules").map { ruleFromJson(it.toString()) },
            Instant.parse(c["from"].asString),
            Instant.parse(c["to"].asString),
        )
        "record_deliveries" -> engine.recordDeliveries(deliveriesFromJson(c["deliveries"].toString()), Instant.parse(c["now"].asString))
        "record_governance_deliveries" -> engine.recordGovernanceDeliveries(
            governanceDeliveriesFromJson(c["deliveries"].toString()), Instant.parse(c["now"].asString))
        "import_security_activity" -> importSecurityActivity(engine, c["json"].asString)
        "import_audit_logs" -> importAuditLogs(engine, c["json"].asString)
        "ingest_webhooks" -> ingestWebhooks(subject.records, c["json"].asString)
        "ingest_journal" -> ingestJournal(subject.records, c["json"].asString)
        "import_daily_usage" -> subject.usage.recordAll(usageSnapshotsFromDailyUsage(c["json"].asString).items)
        "insights" -> insights(subject.records, c)
        "usage_report" -> subject.usage.report(
            engine.account(),
            defaultUsageSettings().copy(windowDays = c["window_days"].asLong.toUInt()),
            Instant.parse(c["now"].asString),
        )
        "aggregate_restore" -> RecordAggregate.fromJson(c["json"].asString).close()
        "usage_restore" -> UsageHistory.fromJson(c["json"].asString).close()
        "usage_record" -> subject.usage.recordAll(
            c.getAsJsonArray("snapshots").map {
                val s = it.asJsonObject
                UsageSnapshot(s["app"].asString, Instant.parse(s["at"].asString), s["calls_today"].asBigInteger.toLong().toULong(), null, null)
            },
        )
        "record_columns" -> recordColumns(subject.records, c)
        else -> throw AssertionError("unknown operation $op")
    }
}

/** Runs every case of the catalogue at [repoRoot]; returns one line per failed case. */
fun catalogueFailures(repoRoot: File): List<String> {
    val catalogue = JsonParser.parseString(File(repoRoot, "core/tests/data/bad_inputs.json").readText()).asJsonObject
    val sample = File(repoRoot, catalogue["fixture"].asString).readText()
    val cases = catalogue.getAsJsonArray("cases")
    val failures = mutableListOf<String>()
    if (cases.size() < 150) failures += "the catalogue holds ${cases.size()} cases"
    for (element in cases) {
        val c = element.asJsonObject
        val name = c["name"].asString
        val expected = c["kind"].asString
        val subject = Subject(sample)
        val before = subject.json()
        try {
            run(subject, c, sample)
            failures += "$name: accepted, expected $expected"
        } catch (e: ConnectedAppsException) {
            if (kindOf(e) != expected) failures += "$name: ${kindOf(e)} (${e.message}), expected $expected"
        }
        if (subject.json() != before) failures += "$name: the engine, aggregate or usage history changed"
        subject.close()
    }
    return failures
}

/** The catalogue tests, through the runner of Main.kt. */
fun catalogueTests() {
    test("the catalogue of bad inputs: each gets its error kind and changes nothing") {
        val failed = catalogueFailures(java.io.File(System.getProperty("repo.root")))
        if (failed.isNotEmpty()) throw AssertionError("${failed.size} cases failed:\n" + failed.joinToString("\n"))
    }
}
