// Record insights and the API usage report.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*
import java.time.Instant

/** Record insights and the API usage report. */
fun insightsTests() {
    test("record insights: aggregate, merge, json, view; api usage report") {
        val day0 = Instant.parse("2026-03-01T10:00:00Z")
        val aggregate = RecordAggregate()
        aggregate.ingest(RecordEvent(day0, "salesforce", "contact", RecordAction.CREATED))
        eq(aggregate.cells(), listOf(RecordCell("2026-03-01", "salesforce", "contacts", RecordAction.CREATED, 1uL)))
        val deleted = recordActionCode(RecordAction.DELETED).toByte()
        val micros = day0.plus(java.time.Duration.ofDays(1)).epochSecond * 1_000_000
        aggregate.merge(RecordAggregate.fromColumns(RecordEventColumns(listOf(micros, micros), listOf(0u, 0u),
            listOf("salesforce"), listOf(0u, 0u), listOf("deals"), byteArrayOf(deleted, deleted))))
        eq(aggregate.eventCount(), 3uL)
        eq(RecordAggregate.fromJson(aggregate.toJson()).cells(), aggregate.cells())
        val query = InsightsQuery("2026-03-02", false, null, null, Grouping(true, false, false))
        val view = aggregate.insights(defaultInsightsSettings(), query, Instant.parse("2026-03-05T00:00:00Z"))
        eq(view.rows.single().total, 3uL)
        eq(view.rows.single().daily.takeLast(2), listOf(1uL, 2uL))
        throws<ConnectedAppsException.InvalidInput>("after today") { aggregate.insights(defaultInsightsSettings(), query, day0) }
        throws<ConnectedAppsException.InvalidInput>("iso 8601") {
            aggregate.insights(defaultInsightsSettings(), query.copy(asOf = "yesterday"), day0)
        }

        val limits = apiLimits(defaultApiLimitConfig(), account())
        eq(limits.daily, 625_000uL)
        val history = UsageHistory()
        val start = Instant.parse("2026-03-02T08:00:00Z")
        history.record(UsageSnapshot("private-app", start, 1000uL, null, null))
        throws<ConnectedAppsException.InvalidInput>("app id") {
            history.recordAll(listOf(UsageSnapshot("private-app", start.plusSeconds(3600), 3000uL, null, null), UsageSnapshot("", start, 1uL, null, null)))
        }
        eq(history.recordAll(listOf(UsageSnapshot("private-app", start.plusSeconds(3600), 3000uL, 625_000uL, null))), 1uL)
        val report = history.report(account(), defaultUsageSettings().copy(windowDays = 7u), start.plusSeconds(3600))
        eq(listOf(report.today, report.callsToday), listOf("2026-03-02", 3000uL))
        eq(report.resetsAt, Instant.parse("2026-03-02T23:00:00Z"))
        eq(listOf(report.limit, report.reportedLimit), listOf(625_000uL, 625_000uL))
        throws<ConnectedAppsException.InvalidInput>("unknown time zone") {
            history.report(account().copy(timeZone = "Mars/Olympus"), defaultUsageSettings(), start)
        }
    }

    test("partials: byte form, merge in any order, typed errors for other versions and kinds") {
        val day0 = Instant.parse("2026-03-01T10:00:00Z").epochSecond * 1_000_000
        val a = RecordAggregate.fromColumns(RecordEventColumns(listOf(day0, day0 + 3_600_000_000), listOf(0u, 1u),
            listOf("salesforce", "zapier"), listOf(0u, 0u), listOf("deals"), byteArrayOf(0, 2)))
        val b = RecordAggregate.fromColumns(RecordEventColumns(listOf(day0), listOf(0u),
            listOf("zapier"), listOf(0u), listOf("contacts"), byteArrayOf(1)))
        val ab = RecordAggregate.fromBytes(a.toBytes())
        ab.merge(b)
        val ba = RecordAggregate.fromBytes(b.toBytes())
        ba.merge(a)
        eq(ab.toBytes().toList(), ba.toBytes().toList())
        eq(ab.eventCount(), 3uL)
        val newer = a.toBytes().also { it[4] = 2 }
        throws<ConnectedAppsException.InvalidInput>("partial format version 2 is not supported") { RecordAggregate.fromBytes(newer) }
        throws<ConnectedAppsException.InvalidInput>("partial kind is usage history") { RecordAggregate.fromBytes(UsageHistory().toBytes()) }

        val start = Instant.parse("2026-03-02T08:00:00Z")
        val h1 = UsageHistory()
        h1.record(UsageSnapshot("crm-sync", start, 900uL, null, null))
        val h2 = UsageHistory()
        h2.record(UsageSnapshot("crm-sync", start, 850uL, null, null))
        h2.merge(h1)
        eq(UsageHistory.fromBytes(h2.toBytes()).snapshots("crm-sync").single().callsToday, 900uL)
    }

    test("cell and usage columns equal the cells and snapshots") {
        val day0 = Instant.parse("2026-03-01T10:00:00Z").epochSecond * 1_000_000
        val aggregate = RecordAggregate.fromColumns(RecordEventColumns(listOf(day0, day0 + 3_600_000_000, day0 + 86_400_000_000),
            listOf(1u, 0u, 1u), listOf("zapier", "salesforce"), listOf(0u, 0u, 0u), listOf("deals"), byteArrayOf(2, 0, 2)))
        val c = aggregate.cellColumns()
        val rows = c.days.indices.map { i ->
            RecordCell(java.time.LocalDate.ofEpochDay(c.days[i].toLong()).toString(), c.appDictionary[c.apps[i].toInt()],
                c.recordTypeDictionary[c.recordTypes[i].toInt()], c.actionDictionary[c.actions[i].toInt()], c.counts[i])
        }
        eq(rows, aggregate.cells())
        eq(rows.size, 3)
        eq(RecordAggregate().cellColumns().counts, emptyList<ULong>())

        val history = UsageHistory()
        val start = Instant.parse("2026-03-02T08:00:00Z")
        history.recordAll(listOf(UsageSnapshot("zoom", start, 10uL, null, null),
            UsageSnapshot("asana", start, 7uL, 500uL, start.plusSeconds(900))))
        val u = history.usageColumns()
        eq(u.appDictionary, listOf("asana", "zoom"))
        eq(u.callsToday, listOf(7uL, 10uL))
        eq(u.usageLimits, listOf(500uL, null))
        eq(u.resetsAtMicros, listOf((start.epochSecond + 900) * 1_000_000, null))
        eq(UsageHistory().usageColumns().apps, emptyList<UInt>())
    }
}
