// The UniFFI-generated Kotlin bindings, compiled and run on the JVM against the library, as an
// Android or desktop host would use them. Run by scripts/test-ffi.sh; the library is built with
// feature `test-panic`. Each capability, each error kind, timestamps and the forced panic.
// Prints "N passed, N failed" and exits non-zero on any failure.

import com.example.connectedapps.*
import java.time.Instant

private val T0: Instant = Instant.parse("2026-03-02T09:30:15.123456789Z")

private fun at(minutes: Long): Instant = T0.plusSeconds(minutes * 60)

private fun account(name: String = "Acme", language: String = "en", id: String = "portal-1") = Account(
    id = id,
    name = name,
    defaultLanguage = language,
    timeZone = "Europe/Paris",
    subscriptions = mapOf(Hub.SALES to Tier.PROFESSIONAL, Hub.MARKETING to Tier.STARTER),
    apiLimitIncreases = 0u,
)

private fun user(id: String, superAdmin: Boolean = false, access: Boolean = false, active: Boolean = true) = User(
    id = id,
    name = id.replaceFirstChar { it.uppercase() },
    email = "$id@acme.test",
    active = active,
    superAdmin = superAdmin,
    permissions = if (access) listOf(Permission.APP_MARKETPLACE_ACCESS) else emptyList(),
)

private fun app(id: String, name: String, level: AppLevel = AppLevel.ACCOUNT_LEVEL, steps: List<String> = emptyList()) = App(
    id = id,
    name = name,
    provider = "Vendor",
    builtByVendorPlatform = true,
    distribution = Distribution.MARKETPLACE,
    level = level,
    reportsStatus = true,
    scopes = listOf(
        ScopeDecl("crm.objects.contacts.read", ScopeRequirement.REQUIRED, null),
        ScopeDecl("crm.objects.deals.write", ScopeRequirement.OPTIONAL, HubTier(Hub.SALES, Tier.PROFESSIONAL)),
    ),
    features = listOf(Feature("Sync contacts", listOf("crm.objects.contacts.read"), null)),
    workflowActions = listOf(WorkflowAction("$id-task", "Create task")),
    postUninstallSteps = steps,
)

private val ADMIN = Actor.User("admin")
private val MIA = Actor.User("mia")
private val BEN = Actor.User("ben")
private val SF_STEPS = listOf("uninstall the package in Salesforce")

private fun engine(): AccountEngine {
    val e = AccountEngine(account())
    e.addUser(user("admin", superAdmin = true))
    e.addUser(user("mia", access = true))
    e.addUser(user("ben"))
    e.addUser(user("old", access = true, active = false))
    e.addTeam(Team("sales", "Sales", listOf("mia", "ben")))
    e.addApp(app("salesforce", "Salesforce", steps = SF_STEPS))
    e.addApp(app("gmail", "Gmail", AppLevel.USER_LEVEL))
    e.addApp(app("social", "Social", AppLevel.MULTI_ACCOUNT))
    return e
}

private fun AccountEngine.install(actor: Actor, app: String, now: Instant, scopes: List<String>? = null, expiresAt: Instant? = null) =
    execute(actor, Command.Install(app, scopes, expiresAt, null), now)

private fun AccountEngine.disconnect(actor: Actor, app: String, now: Instant) =
    execute(actor, Command.Disconnect(app, null), now)

// ------------------------------------------------------------------ a tiny runner

private var passed = 0
private val failures = mutableListOf<String>()

private fun test(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("ok   $name")
    } catch (t: Throwable) {
        failures += name
        println("FAIL $name: $t")
        t.printStackTrace(System.out)
    }
}

private fun eq(actual: Any?, expected: Any?) {
    if (actual != expected) throw AssertionError("expected <$expected>, got <$actual>")
}

/** Runs [body], which must throw [E] whose message contains [fragment]. */
private inline fun <reified E : ConnectedAppsException> throws(fragment: String = "", body: () -> Unit) {
    try {
        body()
    } catch (e: ConnectedAppsException) {
        if (e !is E) throw AssertionError("expected ${E::class.simpleName}, got ${e::class.simpleName}: ${e.message}")
        if (!(e.message ?: "").contains(fragment)) throw AssertionError("message <${e.message}> lacks <$fragment>")
        return
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

// ------------------------------------------------------------------ the tests

fun main() {
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

    test("install without permission returns a request for an admin and logs nothing") {
        val e = engine()
        val outcome = e.install(BEN, "salesforce", at(0)) as Outcome.InstallRequested
        val request = outcome.v1
        eq(listOf(request.app, request.appName, request.requestedBy, request.admin, request.adminEmail),
            listOf("salesforce", "Salesforce", "ben", "admin", "admin@acme.test"))
        eq(request.requestedAt, at(0))
        eq(e.events(), emptyList<Event>())
        throws<ConnectedAppsException.PermissionDenied>("not an active super admin") {
            e.execute(BEN, Command.Install("salesforce", null, null, "mia"), at(0))
        }
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

    test("columnar ingest of payload-free events, all or nothing") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.install(MIA, "gmail", at(1))
        fun micros(t: Instant) = t.epochSecond * 1_000_000 + t.nano / 1_000
        val none = noUserCode()
        check(ActivityType.DISCONNECTED in ingestibleTypes())
        val columns = EventColumns(
            ids = listOf(10uL, 11uL, 12uL),
            atMicros = listOf(micros(at(2)), micros(at(3)), micros(at(4))),
            types = listOf(ActivityType.DISCONNECTED, ActivityType.RECONNECTED, ActivityType.APP_ACTIVITY)
                .map { activityTypeCode(it).toByte() }.toByteArray(),
            apps = listOf(0u, 0u, 1u),
            appDictionary = listOf("salesforce", "gmail"),
            users = listOf(none, none, 0u),
            actors = listOf(0u, 0u, none),
            userDictionary = listOf("mia"),
        )
        eq(e.ingestEvents(columns), 3uL)
        eq(e.events().last(), Event(12uL, Instant.ofEpochSecond(0, micros(at(4)) * 1_000), "gmail", "mia", null, EventKind.AppActivity))
        eq(e.connectionState("salesforce", null, at(5)), ConnectionState.CONNECTED)
        val refused = EventColumns(listOf(20uL), listOf(micros(at(5))), byteArrayOf(activityTypeCode(ActivityType.DISCONNECTED).toByte()),
            listOf(0u), listOf("social"), null, null, emptyList())
        throws<ConnectedAppsException.InvalidState>("row 0: app \"social\" is not installed") { e.ingestEvents(refused) }
        val badType = refused.copy(types = byteArrayOf(activityTypeCode(ActivityType.INSTALLED).toByte()))
        throws<ConnectedAppsException.InvalidInput>("row 0: activity type code") { e.ingestEvents(badType) }
        eq(e.events().size, 5)
        val tooLate = Event(30uL, Instant.parse("2300-01-01T00:00:00Z"), "salesforce", null, null, EventKind.Connected)
        throws<ConnectedAppsException.InvalidInput>("outside the log's range") { e.append(tooLate) }
        eq(e.events().size, 5)
    }

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

    test("notification rules, due notifications, delivery log, dry run") {
        val e = engine()
        val rule = Rule("r1", "Salesforce down", RuleType.APP_DISCONNECTED, RuleApps.Only(listOf("salesforce")),
            Recipients.SuperAdmins, listOf(Channel.EMAIL), Frequency.DAILY, true)
        e.createRule("mia", rule, at(0))
        eq(e.rules(), listOf(rule))
        throws<ConnectedAppsException.PermissionDenied>("is not a super admin") { e.editRule("mia", rule.copy(name = "x"), at(1)) }
        throws<ConnectedAppsException.InvalidInput>("must have a reminder frequency") {
            e.createRule("admin", rule.copy(id = "r2", frequency = null), at(1))
        }
        throws<ConnectedAppsException.Conflict>("duplicate rule id") { e.createRule("admin", rule, at(1)) }
        eq(e.resolveRecipients(Recipients.Specific(emptyList(), listOf("sales"))), listOf("ben", "mia"))
        e.install(ADMIN, "salesforce", at(10))
        e.disconnect(MIA, "salesforce", at(20))
        val now = at(20).plus(java.time.Duration.ofDays(1)).plusSeconds(1)
        val due = e.dueNotifications(now)
        eq(due.map { it.trigger }, listOf(Trigger.Disconnected(2uL), Trigger.Reminder(2uL, 1u)))
        eq(due[1].dueAt, reminderDue(Frequency.DAILY, at(20), 1u))
        throws<ConnectedAppsException.InvalidInput>("is not due at") { e.recordDeliveries(due, at(21)) }
        eq(e.recordDeliveries(due, now), 2uL)
        eq(e.dueNotifications(now), emptyList<Delivery>())
        e.settleDeliveries(at(21))
        eq(e.deliveryLog().settledBefore, at(20)) // never past the newest event
        val installs = rule.copy(id = "i1", ruleType = RuleType.APP_INSTALLED, apps = RuleApps.All, frequency = null, notifyRecovered = false)
        eq(e.dryRunNotifications(listOf(installs), at(0), at(30)).map { it.trigger }, listOf(Trigger.Installed(1uL)))
        e.deleteRule("admin", "r1", at(30))
        eq(e.ruleEvents().map { it.change::class.simpleName }, listOf("Created", "Deleted"))
        throws<ConnectedAppsException.NotFound>("unknown rule") { e.deleteRule("admin", "r1", at(31)) }
    }

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

    test("state as of an instant") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.disconnect(ADMIN, "salesforce", at(10))
        eq(e.connectionStateAsOf("salesforce", null, at(-1)), null)
        eq(e.connectionStateAsOf("salesforce", null, at(5)), ConnectionState.CONNECTED)
        eq(e.connectionStateAsOf("salesforce", null, at(10)), ConnectionState.DISCONNECTED)
        eq(e.connectionsAsOf(at(5)).map { it.health }, listOf(Health.Connected))
        eq(e.connections().map { it.health }, listOf(Health.Disconnected))
    }

    test("json snapshot round trip") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.disconnect(MIA, "salesforce", at(1))
        val json = e.toJson()
        val copy = AccountEngine.fromJson(json)
        eq(copy.toJson(), json)
        eq(copy.events(), e.events())
        throws<ConnectedAppsException.InvalidInput>("malformed json") { AccountEngine.fromJson("{") }
    }

    test("hash chain: verify, head, a tampered snapshot refused") {
        val e = engine()
        val empty = e.verify()
        eq(empty.length, 64)
        e.install(ADMIN, "salesforce", at(0))
        e.disconnect(MIA, "salesforce", at(1))
        val head = e.verify()
        check(head != empty)
        eq(e.chainHead(), head)
        val json = e.toJson()
        check(json.contains("\"head\": \"$head\""))
        eq(AccountEngine.fromJson(json).verify(), head)
        val tampered = json.replace("\"actor\": \"mia\"", "\"actor\": \"admin\"")
        check(tampered != json)
        throws<ConnectedAppsException.InvalidState>("event chain breaks in block 0, events 1 to 2") {
            AccountEngine.fromJson(tampered)
        }
    }

    test("ndjson events in and out, all or nothing") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.disconnect(MIA, "salesforce", at(1))
        val ndjson = e.exportNdjson()
        val events = eventsFromNdjson(ndjson)
        eq(events, e.events())
        eq(eventsToNdjson(events), ndjson)
        val replica = engine()
        eq(replica.importNdjson(ndjson), 2uL)
        eq(replica.events(), e.events())
        throws<ConnectedAppsException.Conflict>("duplicate event id 1") { replica.importNdjson(ndjson) }
        eq(replica.events().size, 2)
        throws<ConnectedAppsException.InvalidInput>("at line 2") { eventsFromNdjson(ndjson.lines().first() + "\n{nope}\n") }
    }

    test("append and append all") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        val event = Event(10uL, at(1), "salesforce", null, "mia", EventKind.Disconnected)
        e.append(event)
        throws<ConnectedAppsException.Conflict>("duplicate event id 10") { e.append(event) }
        throws<ConnectedAppsException.InvalidInput>("older than the newest") {
            e.append(Event(11uL, at(0), "salesforce", null, null, EventKind.Connected))
        }
        val batch = listOf(
            Event(12uL, at(2), "salesforce", null, "mia", EventKind.Reconnected(null)),
            Event(13uL, at(3), "salesforce", null, "mia", EventKind.Reconnected(null)),
        )
        throws<ConnectedAppsException.InvalidState>("already connected") { e.appendAll(batch) }
        eq(e.events().size, 2)
        eq(e.appendAll(batch.take(1)), 1uL)
        eq(e.disconnect(ADMIN, "salesforce", at(4)), Outcome.Applied(13uL))
    }

    test("timestamps round-trip exactly, nanoseconds and before 1970 included") {
        for (instant in listOf(T0, Instant.parse("1969-07-20T20:17:40.999999999Z"), Instant.EPOCH,
            Instant.parse("1900-01-01T00:00:00Z"), Instant.parse("2262-04-11T23:47:16.000000001Z"))) {
            val e = engine()
            e.install(ADMIN, "salesforce", at(0), expiresAt = instant)
            eq(e.connection("salesforce", null)?.expiresAt, instant)
            eq((e.events().single().kind as EventKind.Installed).expiresAt, instant)
            eq((eventsFromNdjson(e.exportNdjson()).single().kind as EventKind.Installed).expiresAt, instant)
            eq(e.events().single().at, at(0))
        }
        // Beyond what the core can represent: an ordinary InvalidInput error, not a crash.
        throws<ConnectedAppsException.InvalidInput>("out of range") {
            engine().connectionState("salesforce", null, Instant.parse("+300000-01-01T00:00:00Z"))
        }
    }

    test("a panic inside the library is an Internal error and the engine keeps working") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        throws<ConnectedAppsException.Internal>("internal error: forced by the test") { e.debugForcePanic("forced by the test") }
        eq(e.events().size, 1)
        e.disconnect(ADMIN, "salesforce", at(1))
        eq(e.connectionState("salesforce", null, at(1)), ConnectionState.DISCONNECTED)
        throws<ConnectedAppsException.Internal> { e.debugForcePanic("again") }
        eq(e.events().size, 2)
        e.close()
    }

    test("the catalogue of bad inputs: each gets its error kind and changes nothing") {
        val failed = catalogueFailures(java.io.File(System.getProperty("repo.root")))
        if (failed.isNotEmpty()) throw AssertionError("${failed.size} cases failed:\n" + failed.joinToString("\n"))
    }

    test("a month of the platform through every importer gives the oracle's views, insights and usage") {
        val failed = monthFailures(java.io.File(System.getProperty("repo.root")))
        if (failed.isNotEmpty()) throw AssertionError(failed.joinToString("\n"))
    }

    test("app log columns come from the core and follow new events") {
        val e = engine()
        e.install(ADMIN, "salesforce", at(0))
        e.install(MIA, "gmail", at(1))
        e.disconnect(MIA, "salesforce", at(2))
        e.execute(Actor.System, Command.ReportActivity("salesforce", null), at(3))
        fun micros(t: Instant) = t.epochSecond * 1_000_000 + t.nano / 1_000
        val all = AppLogFilter(emptyList(), emptyList())
        val columns = e.appLogColumns("salesforce", all)
        eq(columns.ids, listOf(4uL, 3uL, 1uL))
        eq(columns.atMicros, listOf(micros(at(3)), micros(at(2)), micros(at(0))))
        eq(columns.types.toList(), listOf(ActivityType.APP_ACTIVITY, ActivityType.DISCONNECTED, ActivityType.INSTALLED)
            .map { activityTypeCode(it).toByte() })
        eq(columns.actors, listOf(noUserCode(), 0u, 1u))
        eq(columns.actorDictionary, listOf("mia", "admin"))
        eq(columns.ids, e.appLog("salesforce", all).map { it.id })
        eq(e.appLogColumns("nope", all).ids, emptyList<ULong>())
        e.execute(ADMIN, Command.Reconnect("salesforce", null, null), at(4))
        eq(e.appLogColumns("salesforce", all).ids, listOf(5uL, 4uL, 3uL, 1uL))
        eq(AccountEngine.fromJson(e.toJson()).appLogColumns("salesforce", all).ids, listOf(5uL, 4uL, 3uL, 1uL))
    }

    println("kotlin: $passed passed, ${failures.size} failed")
    if (failures.isNotEmpty()) {
        println("failed: ${failures.joinToString()}")
        kotlin.system.exitProcess(1)
    }
}
