// Access and permissions.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** Access and permissions. */
fun accessTests() {
    test("access and permissions, app versions") {
        val e = engine()
        e.setAccount(account().copy(subscriptions = emptyMap()))
        e.install(ADMIN, "salesforce", at(0))
        val deals = e.access("salesforce", null).scopes.single { it.name == "crm.objects.deals.write" }
        eq(deals.access, Access.NeedsUpgrade(listOf(Upgrade(Hub.SALES, Tier.PROFESSIONAL, Tier.FREE))))
        val scopes = app("salesforce", "Salesforce").scopes + ScopeDecl("crm.objects.companies.read", ScopeRequirement.REQUIRED, null)
        e.execute(Actor.System, Command.ReportAppVersion("salesforce", "2.0", scopes, emptyList()), at(1))
        val access = e.access("salesforce", null)
        eq(access.pendingScopes, listOf("crm.objects.companies.read"))
        check(needsReauthentication(access))
        eq(e.appRevision("salesforce")?.version, "2.0")
        e.execute(MIA, Command.Reauthenticate("salesforce", null, null, null), at(2))
        eq(e.access("salesforce", null).pendingScopes, emptyList<String>())
        throws<ConnectedAppsException.InvalidState>("is not installed") { e.access("social", null) }
    }
}
