package org.vswitch4j.core.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.VirtualClock;

/**
 * A port's carrier is read by the bridge's flood decisions but announced by nobody: the datapath's
 * housekeeping notices a change of {@code linkUp()} and drops the cached decisions, so floods follow the link
 * within one housekeeping (revalidation) interval of switch time, with no re-translation needed.
 */
class LinkStateTest {
    static final long A = 0x0200_0000_000aL;
    static final long BCAST = 0xffff_ffff_ffffL;
    /** The datapath's default revalidation interval: housekeeping runs at least this often. */
    static final Duration INTERVAL = Duration.ofMillis(500);

    private final VirtualClock clock = new VirtualClock(1_000_000_000L);
    private final BufferPool pool = BufferPool.builder().count(256).strict(true).build();
    private final Switch sw = Switch.builder().clock(clock).memory(pool).build();
    private final Bridge br = sw.addBridge("br0");
    private final MemoryPort p1 = port("p1");
    private final MemoryPort p2 = port("p2");
    private final MemoryPort p3 = port("p3");

    @AfterEach
    void close() {
        sw.close();
        p1.close();
        p2.close();
        p3.close();
        assertEquals(0, pool.usedCount(), "buffers leaked");
        pool.close();
    }

    private MemoryPort port(String name) {
        MemoryPort p = MemoryPort.builder().name(name).memory(pool).build();
        br.addPort(p, BridgePortConfig.access(name, 10));
        return p;
    }

    private void flood() {
        p1.send(FrameBuilder.ethernet(A, BCAST).ipv4("192.0.2.1", "192.0.2.255").udp(1000, 2000).payload(18)
                .build());
        sw.poll();
    }

    @Test
    void floodsLeaveOutAPortWhoseLinkWentDownAndTakeItBackWhenItComesUp() {
        flood();
        assertEquals(1, p2.receiveAll().size());
        assertEquals(1, p3.receiveAll().size());
        long upcalls = sw.datapath().stats().upcalls();

        p3.setLinkUp(false);
        clock.advance(INTERVAL);
        PortStats dp3 = br.portStats("p3");
        PortStats own3 = p3.stats();
        flood();                                                    // the cached flood was dropped first
        assertEquals(1, p2.receiveAll().size());
        assertEquals(dp3, br.portStats("p3"), "not sent to p3, not even to be dropped there");
        assertEquals(own3, p3.stats());
        assertEquals(upcalls + 1, sw.datapath().stats().upcalls(), "decided again, once");
        flood();
        assertEquals(1, p2.receiveAll().size());
        assertEquals(dp3, br.portStats("p3"));

        p3.setLinkUp(true);
        clock.advance(INTERVAL);
        flood();
        assertEquals(1, p2.receiveAll().size());
        assertEquals(1, p3.receiveAll().size(), "the flood includes p3 again");
        assertEquals(dp3.txPackets() + 1, br.portStats("p3").txPackets());
    }

    @Test
    void aChangeIsNoticedWithinOneIntervalEvenWhileTheFloodIsInUse() {
        flood();
        p2.receiveAll();
        p3.receiveAll();
        p3.setLinkUp(false);
        // Keep using the cached flood; at most one interval later it must have stopped reaching p3's slot.
        long step = INTERVAL.toNanos() / 10;
        for (int i = 0; i < 10; i++) {
            clock.advanceNanos(step);
            flood();
        }
        PortStats dp3 = br.portStats("p3");
        for (int i = 0; i < 20; i++) {
            clock.advanceNanos(step);
            flood();
        }
        assertEquals(dp3, br.portStats("p3"));
        assertEquals(30, p2.receiveAll().size());
    }
}
