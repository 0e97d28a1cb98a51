// The activity log: pages, cursors and facets.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** The activity log: pages, cursors and facets. */
fun activityTests() {
    test("activity log: pages, cursors that survive new events, facets") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.install(MIA, "gmail", at(1))
        e.disconnect(MIA, "salesforce", at(2))
        e.execute(Actor.System, Command.ReportActivity("gmail", "mia"), at(3))
        val all = ActivityFilter(emptyList(), emptyList(), emptyList(), null, null)
        val first = e.activity(all, null, 3uL)
        eq(first.events.map { it.id }, listOf(4uL, 3uL, 2uL))
        e.execute(MIA, Command.Reconnect("salesforce", null, null), at(4))
        val second = e.activity(all, first.nextCursor, 3uL)
        eq(second.events.map { it.id }, listOf(1uL))
        eq(second.nextCursor, null)
        val byMia = ActivityFilter(emptyList(), listOf("mia"), listOf("salesforce"), at(2), at(5))
        eq(e.activity(byMia, null, 10uL).events.map { it.id }, listOf(5uL, 3uL))
        val facets = e.activityFacets(all)
        eq(facets.total, 5uL)
        eq(facets.system, 1uL)
        eq(facets.byUser, listOf(UserCount("mia", 3uL), UserCount("admin", 1uL)))
        eq(facets.byApp, listOf(AppCount("salesforce", 3uL), AppCount("gmail", 2uL)))
        eq(maxActivityPageSize(), 1000uL)
        throws<ConnectedAppsException.InvalidInput>("page size must be between 1 and 1000, got 0") { e.activity(all, null, 0uL) }
        throws<ConnectedAppsException.InvalidInput>("malformed or tampered cursor") { e.activity(all, "nope", 3uL) }
        throws<ConnectedAppsException.InvalidInput>("time range is inverted") {
            e.activityFacets(ActivityFilter(emptyList(), emptyList(), emptyList(), at(5), at(1)))
        }
    }
}
