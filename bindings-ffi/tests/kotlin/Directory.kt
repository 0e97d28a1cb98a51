// The directory: built and read back, errors that change nothing.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** The directory: built and read back, errors that change nothing. */
fun directoryTests() {
    test("directory is built and read back") {
        val e = engine()
        eq(e.account(), account())
        e.setAccount(account(name = "Acme Corp", language = "fr"))
        eq(e.account().name, "Acme Corp")
        eq(e.users().map { it.id }, listOf("admin", "ben", "mia", "old"))
        eq(e.activeSuperAdmins().map { it.id }, listOf("admin"))
        eq(e.user("mia")?.permissions, listOf(Permission.APP_MARKETPLACE_ACCESS))
        eq(e.user("nobody"), null)
        eq(e.team("sales")?.members, listOf("mia", "ben"))
        eq(e.teams().size, 1)
        eq(e.app("gmail")?.level, AppLevel.USER_LEVEL)
        eq(e.apps().map { it.id }, listOf("gmail", "salesforce", "social"))
        e.setUserActive("old", true)
        eq(e.user("old")?.active, true)
    }

    test("directory errors name the value and change nothing") {
        val e = engine()
        throws<ConnectedAppsException.Conflict>("duplicate user id \"mia\"") { e.addUser(user("mia")) }
        throws<ConnectedAppsException.NotFound>("unknown user \"ghost\"") { e.addTeam(Team("ops", "Ops", listOf("ghost"))) }
        throws<ConnectedAppsException.InvalidInput>("default language") { e.setAccount(account(language = "english")) }
        throws<ConnectedAppsException.InvalidInput>("empty account id") { AccountEngine(account(id = " ")) }
        eq(e.team("ops"), null)
        eq(e.account(), account())
    }
}
