// The platform's real payloads through the importers.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** The platform's real payloads through the importers. */
fun importTests() {
    test("real payloads (K1-K3) become inputs with a report") {
        val fixtures = java.io.File(System.getProperty("fixtures.dir") ?: "core/tests/fixtures")
        val usage = usageSnapshotsFromDailyUsage(fixtures.resolve("daily_api_usage.json").readText())
        eq(listOf(usage.report.read, usage.report.imported), listOf(3uL, 2uL))
        eq(usage.report.unsupported, mapOf("fetch status TIMEOUT" to 1uL))
        val security = eventsFromSecurityActivity(fixtures.resolve("security_activity.json").readText())
        eq(security.items.map { it.kind::class.simpleName }, listOf("Installed", "Uninstalled", "Reinstalled"))
        val audit = eventsFromAuditLogs(fixtures.resolve("audit_logs.json").readText())
        eq(audit.items[1].kind, EventKind.Disconnected)
        val webhooks = recordEventsFromWebhooks(fixtures.resolve("webhook_batch.json").readText())
        eq(webhooks.items.first().app, "54321")
        eq(webhooks.report.bySource, mapOf("CRM_UI" to 2uL, "IMPORT" to 1uL, "INTEGRATION" to 4uL))
        val journal = recordEventsFromJournal(fixtures.resolve("webhooks_journal.json").readText())
        eq(journal.items[1].app, "54321")
        throws<ConnectedAppsException.InvalidInput>("malformed") { eventsFromAuditLogs("{") }
    }
}
