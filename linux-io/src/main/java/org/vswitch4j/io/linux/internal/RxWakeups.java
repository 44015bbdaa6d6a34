package org.vswitch4j.io.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The epoll thread that lets idle poll threads sleep: a port's rx queue registers its file descriptor once;
 * a poll thread about to park arms the registration with a wake-up ({@code Port.armRxWakeup}), which adds
 * the fd to one epoll set with {@code EPOLLIN | EPOLLONESHOT}; when the fd becomes readable (at once, if it
 * already is: epoll is level-triggered) this thread runs the wake-up, which unparks the poll thread.
 *
 * <p>Why one thread for every port rather than epoll on the poll thread: a poll thread may own queues of
 * several port types (memory ports, tunnels, TAP, AF_XDP), and the core knows nothing of file descriptors;
 * a wake-up callback composes across all of them. Cost: the first packet after a lull waits for one extra
 * thread hand-off (a few microseconds); at zero load nothing runs at all.
 *
 * <p>Thread-safety: {@link #register} and {@link Registration#close} from any thread; {@link Registration#arm}
 * by the queue's poll thread (one at a time). The wake-up reference is published with a volatile store
 * before the {@code epoll_ctl} that can make this thread read it.
 */
public final class RxWakeups {
    private static volatile RxWakeups instance;

    private final int epfd;
    private final ConcurrentHashMap<Long, Registration> byId = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    private RxWakeups() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSlot(a);
            epfd = Libc.epollCreate(err);
            if (epfd < 0) {
                throw Native.error("epoll_create1 failed", Libc.errno(err), null);
            }
        }
        Thread t = Thread.ofPlatform().name("vsw-rx-wakeup").daemon(true).unstarted(this::loop);
        t.start();
    }

    /** The process's wake-up thread, started on first use. */
    public static RxWakeups get() {
        RxWakeups w = instance;
        if (w == null) {
            synchronized (RxWakeups.class) {
                w = instance;
                if (w == null) {
                    w = new RxWakeups();
                    instance = w;
                }
            }
        }
        return w;
    }

    /** Registers {@code fd} (not yet armed). */
    public Registration register(int fd) {
        Registration r = new Registration(this, fd, ids.incrementAndGet());
        byId.put(r.id, r);
        if (!r.ctl(Libc.EPOLL_CTL_ADD, Libc.EPOLLONESHOT)) { // in the set, disabled until armed
            byId.remove(r.id);
            throw Native.error("epoll_ctl ADD failed for fd " + fd, Libc.errno(r.err), null);
        }
        return r;
    }

    /** Registrations in the set (tests: proves close removes them). */
    public int registrations() {
        return byId.size();
    }

    private void loop() {
        Arena a = Arena.ofConfined();
        MemorySegment err = Libc.errnoSlot(a);
        int max = 64;
        MemorySegment events = a.allocate((long) Libc.EPOLL_EVENT_SIZE * max, 8);
        while (true) {
            int n = Libc.epollWait(err, epfd, events, max, -1);
            for (int i = 0; i < n; i++) {
                long id = events.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * Libc.EPOLL_EVENT_SIZE + 4);
                Registration r = byId.get(id);
                if (r != null) {
                    Runnable w = r.wakeup.getAndSet(null); // one run per arm, even when re-armed meanwhile
                    if (w != null) {
                        try {
                            w.run();
                        } catch (RuntimeException e) {
                            // a wake-up that throws is the caller's bug; this thread must live on
                        }
                    }
                }
            }
        }
    }

    /** One fd in the epoll set. */
    public static final class Registration implements AutoCloseable {
        private final RxWakeups owner;
        private final int fd;
        private final long id;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment event = arena.allocate(Libc.EPOLL_EVENT_SIZE, 8);
        private final MemorySegment err = Libc.errnoSlot(arena);
        private final AtomicReference<Runnable> wakeup = new AtomicReference<>();
        private boolean closed;

        private Registration(RxWakeups owner, int fd, long id) {
            this.owner = owner;
            this.fd = fd;
            this.id = id;
        }

        public int fd() {
            return fd;
        }

        private boolean ctl(int op, int events) {
            event.set(ValueLayout.JAVA_INT, 0, events);
            event.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, id);
            return Libc.epollCtl(err, owner.epfd, op, fd, event) == 0;
        }

        /** Runs {@code w} once when the fd is readable. Returns false if the fd could not be armed. */
        public synchronized boolean arm(Runnable w) {
            if (closed) {
                return false;
            }
            wakeup.set(w); // published before the epoll_ctl that lets the epoll thread report the fd
            return ctl(Libc.EPOLL_CTL_MOD, Libc.EPOLLIN | Libc.EPOLLONESHOT);
        }

        /** Removes the fd from the set; call before closing the fd. Idempotent. */
        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                ctl(Libc.EPOLL_CTL_DEL, 0);
                owner.byId.remove(id);
                wakeup.set(null);
                arena.close();
            }
        }
    }
}
