// Timestamps and the forced panic as a host sees them.
// Called by main() in Main.kt, which holds the fixtures and the runner.

import com.example.connectedapps.*
import java.time.Instant

/** Timestamps and the forced panic as a host sees them. */
fun hostTests() {
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
}
