// The Connections home, the app overview and the app log.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** The Connections home, the app overview and the app log. */
fun viewsTests() {
    test("connections home") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.install(MIA, "gmail", at(1))
        e.install(ADMIN, "social", at(2))
        val info = ConnectionErrorInfo("E1", "sync failing", listOf("check the field mapping"))
        e.execute(Actor.System, Command.ReportError("salesforce", null, info), at(3))
        val home = e.connectionsHome("admin", at(10))
        eq(home.asOf, at(10))
        val item = home.needsAttention.single()
        eq(listOf(item.app, item.state, item.action, item.errorCode, item.since),
            listOf("salesforce", ConnectionState.ERROR, RequiredAction.FOLLOW_RESOLUTION_STEPS, "E1", at(3)))
        eq(home.myApps.map { it.app to it.status }, listOf("salesforce" to ConnectionState.ERROR, "social" to null))
        val other = home.otherUsersApps.single()
        eq(listOf(other.app, other.connections, other.users), listOf("gmail", 1uL, listOf("mia")))
        eq(home.summary, Summary(1uL, 0uL, 0uL, 0uL, 1uL, 0uL, 0uL))
        throws<ConnectedAppsException.NotFound>("unknown user \"ghost\"") { e.connectionsHome("ghost", at(10)) }
    }

    test("app overview and the filtered app log") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.execute(MIA, Command.SetSyncSetting("salesforce", null, "deals", true), at(1))
        e.disconnect(MIA, "salesforce", at(2))
        val all = AppLogFilter(emptyList(), emptyList())
        val overview = e.appOverview("salesforce", null, all, at(3))
        eq(overview.status, ConnectionState.DISCONNECTED)
        eq(overview.connections.single().syncSettings, mapOf("deals" to true))
        eq(overview.alerts.map { it.action }, listOf(RequiredAction.RECONNECT))
        eq(overview.log.map { it.id }, listOf(3uL, 2uL, 1uL))
        eq(e.appLog("salesforce", AppLogFilter(emptyList(), listOf("mia"))).map { it.kind },
            listOf(EventKind.Disconnected, EventKind.SyncSettingChanged("deals", true)))
        eq(e.appLog("salesforce", AppLogFilter(listOf(ActivityType.INSTALLED), emptyList())).map { it.id }, listOf(1uL))
        throws<ConnectedAppsException.NotFound>("unknown app") { e.appOverview("nope", null, all, at(3)) }
    }

    test("connections columns equal the connections, with their state at now") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0), expiresAt = at(20))
        e.install(MIA, "gmail", at(1))
        val c = e.connectionsColumns(at(20))
        eq(c.appDictionary, listOf("gmail", "salesforce"))
        eq(c.apps.map { c.appDictionary[it.toInt()] }, e.connections().map { it.key.app })
        eq(c.users, listOf(c.userDictionary.indexOf("mia").toUInt(), noUserCode()))
        eq(c.states, listOf(ConnectionState.CONNECTED, ConnectionState.EXPIRED))
        eq(e.connectionsColumns(at(19)).states, listOf(ConnectionState.CONNECTED, ConnectionState.CONNECTED))
        eq(c.grantedScopes, e.connections().map { it.grantedScopes.size.toULong() })
    }
}
