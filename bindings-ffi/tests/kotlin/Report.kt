// The HTML report (issue 16).
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** The HTML report: one call, the same page for the same input, an empty page before any event. */
fun reportTests() {
    test("the html report of an account, empty before its events, refused options") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.disconnect(ADMIN, "salesforce", at(1))
        val records = RecordAggregate()
        val usage = UsageHistory()
        val before = e.toJson()
        val page = reportHtml(e, records, usage, at(2))
        check(page.startsWith("<!DOCTYPE html>") && page.endsWith("</html>"))
        check(page.contains("Needs attention (1)") && page.contains("My apps (1)") && page.contains(", seen by admin"))
        check(page.contains("2 events up to") && !page.contains("<script"))
        eq(reportHtml(e, records, usage, at(2), null, 20u), page)
        check(reportHtml(e, records, usage, at(-1)).contains("My apps (0)"))
        throws<ConnectedAppsException.InvalidInput>("201 log events exceed the report's maximum of 200") {
            reportHtml(e, records, usage, at(2), null, 201u)
        }
        throws<ConnectedAppsException.NotFound>("unknown user") { reportHtml(e, records, usage, at(2), "nobody", 20u) }
        eq(e.toJson(), before)
    }
}
