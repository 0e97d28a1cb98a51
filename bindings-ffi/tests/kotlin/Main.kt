// The UniFFI-generated Kotlin bindings, compiled and run on the JVM against the library, as an
// Android or desktop host would use them. Run by scripts/test-ffi.sh; the library is built with
// feature `test-panic`. Each capability, each error kind, timestamps and the forced panic, one file
// per area (Directory.kt, Lifecycle.kt, ...); this file holds the fixtures, the runner and main.
// Prints "N passed, N failed" and exits non-zero on any failure.

import com.example.connectedapps.*
import java.time.Instant

internal val T0: Instant = Instant.parse("2026-03-02T09:30:15.123456789Z")

internal fun at(minutes: Long): Instant = T0.plusSeconds(minutes * 60)

internal fun account(name: String = "Acme", language: String = "en", id: String = "portal-1") = Account(
    id = id,
    name = name,
    defaultLanguage = language,
    timeZone = "Europe/Paris",
    subscriptions = mapOf(Hub.SALES to Tier.PROFESSIONAL, Hub.MARKETING to Tier.STARTER),
    apiLimitIncreases = 0u,
)

internal fun user(id: String, superAdmin: Boolean = false, access: Boolean = false, active: Boolean = true) = User(
    id = id,
    name = id.replaceFirstChar { it.uppercase() },
    email = "$id@acme.test",
    active = active,
    superAdmin = superAdmin,
    permissions = if (access) listOf(Permission.APP_MARKETPLACE_ACCESS) else emptyList(),
)

internal fun app(id: String, name: String, level: AppLevel = AppLevel.ACCOUNT_LEVEL, steps: List<String> = emptyList()) = App(
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

internal val ADMIN = Actor.User("admin")
internal val MIA = Actor.User("mia")
internal val BEN = Actor.User("ben")
internal val SF_STEPS = listOf("uninstall the package in Salesforce")

internal fun engine(): AccountEngine {
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

internal fun AccountEngine.install(actor: Actor, app: String, now: Instant, scopes: List<String>? = null, expiresAt: Instant? = null) =
    execute(actor, Command.Install(app, scopes, expiresAt, null), now)

internal fun AccountEngine.disconnect(actor: Actor, app: String, now: Instant) =
    execute(actor, Command.Disconnect(app, null), now)

// ------------------------------------------------------------------ a tiny runner

private var passed = 0
private val failures = mutableListOf<String>()

internal fun test(name: String, body: () -> Unit) {
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

internal fun eq(actual: Any?, expected: Any?) {
    if (actual != expected) throw AssertionError("expected <$expected>, got <$actual>")
}

/** Runs [body], which must throw [E] whose message contains [fragment]. */
internal inline fun <reified E : ConnectedAppsException> throws(fragment: String = "", body: () -> Unit) {
    try {
        body()
    } catch (e: ConnectedAppsException) {
        if (e !is E) throw AssertionError("expected ${E::class.simpleName}, got ${e::class.simpleName}: ${e.message}")
        if (!(e.message ?: "").contains(fragment)) throw AssertionError("message <${e.message}> lacks <$fragment>")
        return
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

// ------------------------------------------------------------------ the tests, one file per area

fun main() {
    directoryTests()
    lifecycleTests()
    viewsTests()
    activityTests()
    ingestTests()
    accessTests()
    notifyTests()
    marketplaceTests()
    insightsTests()
    importTests()
    snapshotTests()
    hostTests()
    catalogueTests()
    monthTests()
    reportTests()
    governanceTests()

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
