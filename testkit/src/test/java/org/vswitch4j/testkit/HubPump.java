package org.vswitch4j.testkit;

import java.util.ArrayList;
import java.util.List;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.core.time.VirtualClock;

/** A test-only hub: every frame a port sends is copied to every other port. Tests hosts without a bridge. */
final class HubPump implements Pump, AutoCloseable {
    final BufferPool pool = BufferPool.builder().count(512).strict(true).build();
    final VirtualClock clock = new VirtualClock();
    final List<MemoryPort> ports = new ArrayList<>();
    final List<VirtualHost> hosts = new ArrayList<>();
    private final PacketBatch in = new PacketBatch();
    private final PacketBatch out = new PacketBatch();
    /** Advanced per round, so round-trip times are visible. */
    long nanosPerRound;

    VirtualHost host(String name, long mac, String ip4, String ip6, int vlan) {
        MemoryPort p = MemoryPort.builder().name(name).memory(pool).build();
        ports.add(p);
        VirtualHost.Builder b = VirtualHost.builder().name(name).mac(mac).port(p).pump(this).vlan(vlan);
        if (ip4 != null) {
            b.ipv4(ip4);
        }
        if (ip6 != null) {
            b.ipv6(ip6);
        }
        VirtualHost h = b.build();
        hosts.add(h);
        return h;
    }

    @Override
    public int pumpOnce() {
        clock.advanceNanos(nanosPerRound);
        int moved = 0;
        for (MemoryPort src : ports) {
            while (src.receive(0, in) > 0) {
                for (int i = 0; i < in.size(); i++) {
                    Packet p = in.get(i);
                    for (MemoryPort dst : ports) {
                        if (dst != src && p.copyTo(pool, out.add())) {
                            dst.transmit(out);
                        }
                    }
                    moved++;
                }
                in.releaseAll();
            }
        }
        for (VirtualHost h : hosts) {
            moved += h.process();
        }
        return moved;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public void close() {
        ports.forEach(MemoryPort::close);
        long used = pool.usedCount();
        pool.close();
        if (used != 0) {
            throw new AssertionError(used + " buffers leaked");
        }
    }
}
