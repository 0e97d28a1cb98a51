// The marketplace and the learning library.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*

/** The marketplace and the learning library. */
fun marketplaceTests() {
    test("marketplace: search, install verdicts, recommendations, workflows, learning") {
        fun listing(app: String, name: String, installs: ULong, category: String, actions: List<WorkflowAction> = emptyList()) = Listing(
            app, name, "Vendor", "", "", installs, listOf(category), emptyList(), emptyList(),
            Requirements(emptyList(), null), Resources(null, null, null, SupportedBy.PROVIDER), DataPrivacy(false, null),
            listOf(PricingPlan("Free", "USD", 0.0, null, 0u)), listOf(SharedData("contacts", SyncDirection.TWO_WAY)),
            listOf("en"), true, actions,
        )
        val market = Marketplace(listOf(
            listing("salesforce", "Salesforce", 1000uL, "Sales", listOf(WorkflowAction("sf-task", "Create task"))),
            listing("gmail", "Gmail", 5000uL, "Productivity"),
        ))
        val noFilters = Filters(emptyList(), emptyList(), emptyList(), emptyList(), false)
        val results = market.search(SearchQuery("sales", noFilters, 0uL, 10uL), "en")
        eq(results.hits.map { it.app }, listOf("salesforce"))
        throws<ConnectedAppsException.InvalidInput>("unknown category") {
            market.search(SearchQuery("", noFilters.copy(categories = listOf("Nope")), 0uL, 10uL), "en")
        }
        val e = engine()
        val verdict = market.installVerdict(e, "salesforce", "ben")
        eq(verdict.permission, InstallPermission.Request(listOf("admin")))
        check(market.installVerdict(e, "salesforce", "mia").canInstallNow)
        e.install(ADMIN, "gmail", at(0))
        eq(market.recommendations(e, 5uL).map { it.app }, listOf("salesforce"))
        eq(market.workflowSearch(e, "mia", "sales", 5uL).single().verdict.canInstallNow, true)
        eq(e.connectFromWorkflow(market, "salesforce", "mia", at(1)), Outcome.Applied(2uL))
        eq(e.workflowActions(at(2)).map { it.appName }, listOf("Gmail", "Salesforce"))
        throws<ConnectedAppsException.InvalidInput>("offers no workflow actions") { e.connectFromWorkflow(market, "gmail", "mia", at(3)) }
        throws<ConnectedAppsException.NotFound>("no listing of app") { market.installVerdict(e, "nope", "mia") }
        val item = LearningItem("Keep it healthy", "https://learn.test/sf", LearningKind.VIDEO, listOf("salesforce"),
            emptyList(), listOf(LearningTopic.CONNECTION_HEALTH), "en")
        val library = LearningLibrary(listOf(item))
        eq(library.forApp("salesforce", listOf("Sales"), "en", 3uL), listOf(item))
        eq(library.forInsights("en", 3uL).map { it.topic }, listOf(LearningTopic.CONNECTION_HEALTH))
        throws<ConnectedAppsException.InvalidInput>("invalid learning item") { LearningLibrary(listOf(item.copy(title = ""))) }
    }
}
