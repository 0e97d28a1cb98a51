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

    test("activity columns: equal the events and pages, empty filters keep the dictionaries, typed errors") {
        val e = engine()
        val all = ActivityFilter(emptyList(), emptyList(), emptyList(), null, null)
        eq(e.activityColumns(all).ids, emptyList<ULong>())
        e.install(ADMIN, "salesforce", at(0))
        e.install(MIA, "gmail", at(1))
        e.disconnect(MIA, "salesforce", at(2))
        e.execute(Actor.System, Command.ReportActivity("gmail", "mia"), at(3))
        fun micros(t: java.time.Instant) = t.epochSecond * 1_000_000 + t.nano / 1_000
        fun rows(c: LogColumnsView) = c.ids.indices.map { i ->
            val name = { code: UInt -> if (code == noUserCode()) null else c.userDictionary[code.toInt()] }
            listOf(c.ids[i], c.atMicros[i], c.typeDictionary[c.types[i].toInt()], c.appDictionary[c.apps[i].toInt()],
                name(c.users[i]), name(c.actors[i]))
        }
        // EventKind.AppActivity -> ActivityType.APP_ACTIVITY: the variants share their names.
        fun typeOf(kind: EventKind) =
            ActivityType.valueOf(Regex("([a-z])([A-Z])").replace(kind.javaClass.simpleName, "$1_$2").uppercase())
        fun rows(events: List<Event>) = events.map { listOf(it.id, micros(it.at), typeOf(it.kind), it.app, it.user, it.actor) }
        val columns = e.activityColumns(all)
        eq(rows(columns), rows(e.events()))
        eq(columns.appDictionary, listOf("salesforce", "gmail"))
        val page = e.activityPageColumns(all, null, 3uL)
        val events = e.activity(all, null, 3uL)
        eq(rows(page.columns), rows(events.events))
        eq(page.nextCursor, events.nextCursor)
        val nobody = ActivityFilter(emptyList(), listOf("nobody"), emptyList(), null, null)
        val empty = e.activityColumns(nobody)
        eq(empty.ids, emptyList<ULong>())
        eq(empty.types.size, 0)
        eq(empty.appDictionary, listOf("salesforce", "gmail"))
        throws<ConnectedAppsException.InvalidInput>("page size must be between 1 and 1000, got 1001") {
            e.activityPageColumns(all, null, 1001uL)
        }
        throws<ConnectedAppsException.InvalidInput>("belongs to another query") {
            e.activityPageColumns(nobody, page.nextCursor, 3uL)
        }
        eq(e.events().size, 4)
    }
}
