package org.vswitch4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.time.VirtualClock;

/**
 * The extension, exercised by running small test classes through the JUnit Platform launcher and reading
 * their results. The sample classes are nested, so surefire does not run them on their own.
 */
class SwitchExtensionTest {

    private static TestExecutionSummary run(Class<?> testClass) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(testClass))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    private static String failures(TestExecutionSummary s) {
        StringBuilder sb = new StringBuilder();
        s.getFailures().forEach(f -> sb.append(f.getTestIdentifier().getDisplayName()).append(": ")
                .append(f.getException()).append('\n'));
        return sb.toString();
    }

    // ---- samples ----

    static final List<TestNetwork> SEEN = new ArrayList<>();

    static class PingSample {
        @SwitchTest
        void hostsOnOneVlanPing(TestNetwork net, VirtualClock clock, Bridge bridge, Switch sw, BufferPool pool) {
            assertSame(net.bridge(), bridge);
            assertSame(net.sw(), sw);
            assertSame(net.pool(), pool);
            assertEquals("br0", bridge.name());
            VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
            VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
            assertTrue(a.ping(b).success());
            clock.advance(Duration.ofSeconds(1));
            assertEquals(1_000_000_000L, net.clock().nanos());
            SEEN.add(net);
        }

        @SwitchTest(bridge = "brX", buffers = 128)
        void annotationOptionsApply(TestNetwork net) {
            assertEquals("brX", net.bridge().name());
            assertEquals(128, net.pool().capacity());
            SEEN.add(net);
        }
    }

    static class LeakSample {
        @SwitchTest
        void keepsABuffer(BufferPool pool) {
            assertTrue(pool.allocate() >= 0);
        }
    }

    static class FailingAndLeakingSample {
        @SwitchTest
        void failsAndLeaks(BufferPool pool) {
            pool.allocate();
            throw new IllegalStateException("the test's own failure");
        }
    }

    @ExtendWith(SwitchExtension.class)
    static class BeforeEachSample {
        TestNetwork fromBeforeEach;

        @BeforeEach
        void setUp(TestNetwork net) {
            fromBeforeEach = net;
            net.addHost("a").ipv4("192.0.2.1").add();
        }

        @Test
        void sameNetworkAsBeforeEach(TestNetwork net) {
            assertSame(fromBeforeEach, net);
            assertEquals(1, net.hosts().size());
        }
    }

    @ExtendWith(SwitchExtension.class)
    static class ConstructorSample {
        ConstructorSample(TestNetwork net) {
            net.hosts();
        }

        @Test
        void neverRuns() {
        }
    }

    // ---- tests of the extension ----

    @Test
    void injectsAFreshNetworkPerTestAndClosesItAfterwards() {
        SEEN.clear();
        TestExecutionSummary s = run(PingSample.class);
        assertEquals(2, s.getTestsSucceededCount(), failures(s));
        assertEquals(2, SEEN.size());
        assertNotSame(SEEN.get(0), SEEN.get(1));
        assertTrue(SEEN.get(0).isClosed() && SEEN.get(1).isClosed(), "closed after each test");
    }

    @Test
    void leakedBufferFailsTheTestWithTheCount() {
        TestExecutionSummary s = run(LeakSample.class);
        assertEquals(1, s.getTestsFailedCount(), failures(s));
        Throwable e = s.getFailures().getFirst().getException();
        assertTrue(e instanceof AssertionError, e.toString());
        assertTrue(e.getMessage().startsWith("1 packet buffer(s) leaked"), e.getMessage());
    }

    @Test
    void testsOwnFailureComesFirstAndTheLeakIsSuppressed() {
        TestExecutionSummary s = run(FailingAndLeakingSample.class);
        assertEquals(1, s.getTestsFailedCount(), failures(s));
        Throwable e = s.getFailures().getFirst().getException();
        assertEquals("the test's own failure", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertTrue(e.getSuppressed()[0].getMessage().contains("leaked"));
    }

    @Test
    void beforeEachAndTheTestShareOneNetwork() {
        TestExecutionSummary s = run(BeforeEachSample.class);
        assertEquals(1, s.getTestsSucceededCount(), failures(s));
    }

    @Test
    void constructorInjectionIsRefusedWithAnExplanation() {
        TestExecutionSummary s = run(ConstructorSample.class);
        assertEquals(1, s.getTestsFailedCount(), failures(s));
        assertTrue(failures(s).contains("not to"), failures(s));
    }
}
