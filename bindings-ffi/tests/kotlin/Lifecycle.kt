// Connection lifecycle: install, uninstall, disconnect, reconnect, reports.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** Connection lifecycle: install, uninstall, disconnect, reconnect, reports. */
fun lifecycleTests() {
    test("install connects with the granted scopes; installing twice is a conflict") {
        val e = engine()
        val outcome = e.install(ADMIN, "salesforce", at(0), listOf("crm.objects.contacts.read", "crm.objects.deals.write"))
        eq(outcome, Outcome.Applied(1uL))
        val c = e.connection("salesforce", null)!!
        eq(c.grantedScopes, listOf("crm.objects.contacts.read", "crm.objects.deals.write"))
        eq(c.installedBy, "admin")
        eq(c.health, Health.Connected)
        eq(e.connectionState("salesforce", null, at(1)), ConnectionState.CONNECTED)
        throws<ConnectedAppsException.Conflict>("already installed") { e.install(MIA, "salesforce", at(1)) }
    }

    test("install without permission returns a request for an admin, queued as an event") {
        val e = engine()
        val outcome = e.install(BEN, "salesforce", at(0)) as Outcome.InstallRequested
        val request = outcome.v1
        eq(listOf(request.app, request.appName, request.requestedBy, request.admin, request.adminEmail),
            listOf("salesforce", "Salesforce", "ben", "admin", "admin@acme.test"))
        eq(request.requestedAt, at(0))
        // Queued as an access request (I2, G2): one event, no connection.
        eq(e.events().map { it.id }, listOf(request.request))
        eq(e.events().single().kind is EventKind.AccessRequested, true)
        throws<ConnectedAppsException.PermissionDenied>("not an active super admin") {
            e.execute(BEN, Command.Install("salesforce", null, null, "mia"), at(0))
        }
    }

    test("an install request with no active super admin is refused and changes nothing") {
        val e = engine()
        e.setUserActive("admin", false)
        val before = e.toJson()
        throws<ConnectedAppsException.InvalidState>("no active super admin can receive an install request") {
            e.install(BEN, "salesforce", at(0))
        }
        eq(e.toJson(), before)
        e.setUserActive("admin", true)
        eq((e.install(BEN, "salesforce", at(0)) as Outcome.InstallRequested).v1.admin, "admin")
    }

    test("uninstall needs the confirmation word and returns the post-uninstall steps") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        throws<ConnectedAppsException.InvalidInput>("confirmation must be exactly \"uninstall\"") {
            e.execute(ADMIN, Command.Uninstall("salesforce", null, "yes"), at(1))
        }
        eq(e.events().size, 1)
        val outcome = e.execute(ADMIN, Command.Uninstall("salesforce", null, uninstallConfirmation()), at(2))
        eq(outcome, Outcome.Uninstalled(2uL, SF_STEPS))
        eq(e.connectionState("salesforce", null, at(3)), ConnectionState.UNINSTALLED)
        e.install(MIA, "salesforce", at(4))
        check(e.events().last().kind is EventKind.Reinstalled)
    }

    test("disconnect, reconnect, reauthenticate, sync settings, and who may do them") {
        val e = engine()
        e.install(MIA, "salesforce", at(0))
        e.disconnect(MIA, "salesforce", at(1))
        eq(e.connectionState("salesforce", null, at(1)), ConnectionState.DISCONNECTED)
        throws<ConnectedAppsException.InvalidState>("already disconnected") { e.disconnect(MIA, "salesforce", at(2)) }
        e.execute(MIA, Command.Reconnect("salesforce", null, at(60)), at(2))
        eq(e.connectionState("salesforce", null, at(3)), ConnectionState.CONNECTED)
        eq(e.connectionState("salesforce", null, at(61)), ConnectionState.EXPIRED)
        e.execute(MIA, Command.Reauthenticate("salesforce", null, listOf("crm.objects.deals.write"), null), at(62))
        eq(e.connection("salesforce", null)?.grantedScopes, listOf("crm.objects.contacts.read", "crm.objects.deals.write"))
        e.execute(MIA, Command.SetSyncSetting("salesforce", null, "contacts", true), at(63))
        eq(e.connection("salesforce", null)?.syncSettings, mapOf("contacts" to true))
        throws<ConnectedAppsException.PermissionDenied>("lacks the app_marketplace_access permission") {
            e.disconnect(BEN, "salesforce", at(64))
        }
        throws<ConnectedAppsException.PermissionDenied>("is deactivated") { e.disconnect(Actor.User("old"), "salesforce", at(64)) }
        throws<ConnectedAppsException.PermissionDenied>("needs an acting user") { e.disconnect(Actor.System, "salesforce", at(64)) }
        throws<ConnectedAppsException.InvalidState>("is not installed") { e.disconnect(MIA, "social", at(64)) }
        throws<ConnectedAppsException.NotFound>("unknown app \"nope\"") { e.disconnect(MIA, "nope", at(64)) }
    }

    test("reports from the platform") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.execute(Actor.System, Command.ReportActivity("salesforce", null), at(1))
        eq(e.connection("salesforce", null)?.lastActivityAt, at(1))
        e.execute(Actor.System, Command.ReportUpdateAvailability("salesforce", null, true), at(2))
        eq(e.connection("salesforce", null)?.updateAvailable, true)
        e.execute(Actor.System, Command.ReportExpired("salesforce", null), at(3))
        eq(e.connectionState("salesforce", null, at(3)), ConnectionState.EXPIRED)
        val info = ConnectionErrorInfo("AUTH_401", "token revoked", listOf("reconnect salesforce"))
        e.execute(Actor.System, Command.ReportError("salesforce", null, info), at(4))
        eq(e.connection("salesforce", null)?.health, Health.Error(info))
        e.execute(Actor.System, Command.ReportConnected("salesforce", null), at(5))
        eq(e.connectionState("salesforce", null, at(5)), ConnectionState.CONNECTED)
        val scopes = app("salesforce", "Salesforce").scopes +
            ScopeDecl("crm.objects.companies.read", ScopeRequirement.REQUIRED, null)
        e.execute(Actor.System, Command.ReportAppVersion("salesforce", "2.0", scopes, emptyList()), at(6))
        eq((e.events().last().kind as EventKind.AppVersionChanged).version, "2.0")
    }
}
