// Columnar ingest of payload-free events.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*
import java.time.Instant

/** Columnar ingest of payload-free events. */
fun ingestTests() {
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
}
