package org.vswitch4j.core.datapath;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;

/**
 * A port for datapath tests: frames queued per rx queue go in, transmitted frames are captured as byte
 * arrays. Thread-safe enough for the poll-thread tests (concurrent queues, atomic counters).
 */
final class TestPort implements Port {
    final String name;
    final BufferPool pool;
    final List<ConcurrentLinkedQueue<byte[]>> in = new ArrayList<>();
    final ConcurrentLinkedQueue<byte[]> out = new ConcurrentLinkedQueue<>();
    final AtomicInteger transmitCalls = new AtomicInteger();
    final AtomicInteger sent = new AtomicInteger();
    volatile boolean link = true;
    volatile int mtu = 1500;
    volatile RuntimeException failReceive;
    /** Runs at the start of every receive (a device callback that reconfigures, say). */
    volatile Runnable onReceive;
    /** Whether armRxWakeup agrees (an epoll-backed port would); the last wake-up it was given. */
    volatile boolean wakeable;
    final java.util.concurrent.atomic.AtomicReference<Runnable> armed = new java.util.concurrent.atomic.AtomicReference<>();
    final AtomicInteger receiveCalls = new AtomicInteger();

    TestPort(String name, BufferPool pool) {
        this(name, pool, 1);
    }

    TestPort(String name, BufferPool pool, int queues) {
        this.name = name;
        this.pool = pool;
        for (int i = 0; i < queues; i++) {
            in.add(new ConcurrentLinkedQueue<>());
        }
    }

    /** Queues {@code frame} on rx queue 0. */
    TestPort inject(byte[] frame) {
        in.get(0).add(frame);
        return this;
    }

    TestPort inject(int queue, byte[] frame) {
        in.get(queue).add(frame);
        return this;
    }

    /** Transmitted frames so far, removed from the capture. */
    List<byte[]> drain() {
        List<byte[]> r = new ArrayList<>();
        for (byte[] f; (f = out.poll()) != null; ) {
            r.add(f);
        }
        return r;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int rxQueues() {
        return in.size();
    }

    @Override
    public int receive(int queue, PacketBatch batch) {
        receiveCalls.incrementAndGet();
        RuntimeException fail = failReceive;
        if (fail != null) {
            throw fail;
        }
        Runnable cb = onReceive;
        if (cb != null) {
            cb.run();
        }
        ConcurrentLinkedQueue<byte[]> q = in.get(queue);
        int n = 0;
        while (batch.remaining() > 0) {
            byte[] f = q.peek();
            if (f == null) {
                break;
            }
            long h = pool.allocate();
            if (h < 0) {
                break;
            }
            q.poll();
            Packet p = batch.add();
            p.bindEmpty(pool, h);
            p.write(0, f, 0, f.length);
            p.length(f.length);
            n++;
        }
        return n;
    }

    @Override
    public void transmit(PacketBatch batch) {
        transmitCalls.incrementAndGet();
        for (int i = 0; i < batch.size(); i++) {
            Packet p = batch.get(i);
            out.add(p.toByteArray());
            sent.incrementAndGet();
            p.release();
        }
        batch.size(0);
    }

    @Override
    public boolean armRxWakeup(int queue, Runnable wakeup) {
        if (!wakeable) {
            return false;
        }
        armed.set(wakeup);
        return true;
    }

    @Override
    public PacketMemory memory() {
        return pool;
    }

    @Override
    public boolean linkUp() {
        return link;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public long mac() {
        return 0x02_00_00_00_00_00L | name.hashCode() & 0xffffff;
    }

    @Override
    public PortStats stats() {
        return PortStats.ZERO;
    }

    @Override
    public void close() {
    }
}
