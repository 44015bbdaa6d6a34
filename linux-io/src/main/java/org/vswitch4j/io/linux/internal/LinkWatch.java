package org.vswitch4j.io.linux.internal;

/**
 * A device's presence and link state as a port reports it: read with two ioctls at most every
 * {@value #REFRESH_NANOS} ns, cached in between, because {@code Port.linkUp()} is called by every poll thread's
 * housekeeping and by pipelines deciding floods.
 *
 * <p>Thread-safety: any thread; the refresh is synchronized, the cached values volatile.
 */
public final class LinkWatch implements AutoCloseable {
    static final long REFRESH_NANOS = 10_000_000L;

    private final NetDevice dev;
    private volatile long checkedAt;
    private volatile boolean up;
    private volatile int index;

    /** Watches {@code dev} (whose control socket lives in the device's namespace); takes ownership of it. */
    public LinkWatch(NetDevice dev) {
        this.dev = dev;
        refresh();
    }

    public NetDevice device() {
        return dev;
    }

    /** Whether the device is there, up and running (with carrier). */
    public boolean up() {
        maybeRefresh();
        return up;
    }

    /** The device's current index (0 when it is gone). */
    public int index() {
        maybeRefresh();
        return index;
    }

    private void maybeRefresh() {
        if (System.nanoTime() - checkedAt > REFRESH_NANOS) {
            refresh();
        }
    }

    /** Reads the device state now. */
    public synchronized void refresh() {
        int i = dev.index();
        boolean u = i != 0 && dev.upAndRunning();
        index = i;
        up = u;
        checkedAt = System.nanoTime();
    }

    @Override
    public void close() {
        dev.close();
    }
}
