package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.List;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.time.VirtualClock;

/**
 * A switch in synchronous mode with one bridge, {@code n} memory ports (ofports 1..n, trunks) and an OpenFlow
 * pipeline on a virtual clock: tests send frames, pump the switch and read what each port got.
 */
final class Rig implements AutoCloseable {
    final VirtualClock clock = new VirtualClock();
    final BufferPool pool = BufferPool.builder().count(2048).strict(true).build();
    final Switch sw = Switch.builder().memory(pool).clock(clock).pollThreads(0).build();
    final Bridge br = sw.addBridge("br0");
    final List<MemoryPort> ports = new ArrayList<>();
    final List<List<byte[]>> received = new ArrayList<>();
    final FlowPipeline of;

    Rig(int n, FlowPipeline.FailMode mode) {
        ports.add(null);
        received.add(null);
        for (int i = 1; i <= n; i++) {
            MemoryPort p = MemoryPort.builder().name("p" + i).memory(pool).build();
            int ofport = br.addPort(p, BridgePortConfig.builder("p" + i).build());
            if (ofport != i) {
                throw new IllegalStateException("ofport " + ofport + " for p" + i);
            }
            List<byte[]> got = new ArrayList<>();
            p.onReceive((port, frame) -> got.add(frame.toByteArray()));
            ports.add(p);
            received.add(got);
        }
        of = FlowPipeline.attach(br, sw.datapath(), mode);
    }

    Rig(int n) {
        this(n, FlowPipeline.FailMode.SECURE);
    }

    /** Sends {@code frame} into port {@code in} and runs the switch until it is idle. */
    void send(int in, byte[] frame) {
        if (!ports.get(in).send(frame)) {
            throw new IllegalStateException("port p" + in + " refused the frame");
        }
        pump();
    }

    void pump() {
        for (int i = 0; i < 100 && sw.poll() > 0; i++) {
            // until nothing more arrives
        }
        sw.poll();
    }

    /** Frames port {@code p} transmitted since the last call (taken). */
    List<byte[]> take(int p) {
        List<byte[]> l = new ArrayList<>(received.get(p));
        received.get(p).clear();
        return l;
    }

    /** The flow key the datapath extracts from {@code frame} arriving on port {@code in}. */
    FlowKey key(int in, byte[] frame) {
        return FlowPipeline.keyOf(pool, in, frame);
    }

    /** Lets revalidation run (counters, idle times): advances the clock past one revalidation interval. */
    void revalidate() {
        clock.advanceMillis(600);
        sw.poll();
    }

    @Override
    public void close() {
        sw.close();
        for (MemoryPort p : ports) {
            if (p != null) {
                p.close();
            }
        }
        pool.close();
    }
}
