package org.vswitch4j.dpdk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.vswitch4j.dpdk.internal.Affinity;
import org.vswitch4j.dpdk.internal.Libraries;
import org.vswitch4j.dpdk.internal.Rte;

/**
 * DPDK's environment (EAL) in this process: started once, never stopped (DPDK cannot initialise its EAL twice
 * in one process), shared by every {@link DpdkPort}.
 *
 * <p>The EAL arguments are built from the {@link Builder}'s options the way Open vSwitch builds them from
 * {@code other_config:dpdk-*}: {@code --in-memory -m N} on 2 MB hugepages (nothing left in /dev/hugepages or
 * /var/run/dpdk), or {@code --no-huge --no-shconf -m N} without them (about 40 % slower: TLB misses);
 * {@code --no-pci} unless PCI devices are wanted; {@code --no-telemetry}; and {@code --lcores=0@(the CPUs the
 * starting thread may use)} so that EAL does not pin the JVM's threads to one CPU (start the EAL before
 * pinning that thread anywhere: EAL's own threads inherit the set). Devices are attached later, one per
 * {@link DpdkPort}, by hot-plug ({@code rte_dev_probe}), so no {@code --vdev} is needed here.
 *
 * <p>Errors never crash the JVM: a missing library, missing hugepages, or an EAL that refuses its arguments
 * all throw {@link DpdkException} with the fix in the message. EAL's own log lines go to stderr.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class Dpdk {
    private static final System.Logger LOG = System.getLogger(Dpdk.class.getName());
    private static Dpdk instance; // guarded by Dpdk.class
    private static String failure; // guarded by Dpdk.class: why the EAL failed to start, if it did

    /** Whether the current thread is a DPDK lcore (registered or the EAL's main thread). */
    private static final ThreadLocal<boolean[]> REGISTERED = ThreadLocal.withInitial(() -> new boolean[1]);

    private final List<String> args;
    private final boolean hugepages;
    private final int socket;
    private final Object memoryLock = new Object();
    private volatile DpdkMemory[] memories = new DpdkMemory[0];
    private DpdkMemory defaultMemory; // guarded by memoryLock
    private final int defaultMbufs;

    private Dpdk(List<String> args, boolean hugepages, int defaultMbufs) {
        this.args = List.copyOf(args);
        this.hugepages = hugepages;
        this.defaultMbufs = defaultMbufs;
        int s;
        try {
            s = (int) Rte.SOCKET_ID.invokeExact();
        } catch (Throwable t) {
            throw new DpdkException("rte_socket_id failed", t);
        }
        this.socket = s;
    }

    /** Options for the EAL; {@link Builder#start()} starts it. */
    public static Builder builder() {
        return new Builder();
    }

    /** The EAL of this process, if one was started. */
    public static synchronized Optional<Dpdk> current() {
        return Optional.ofNullable(instance);
    }

    /** The arguments the EAL was started with (argv[0] first). */
    public List<String> ealArgs() {
        return args;
    }

    /** Whether packet memory is on hugepages ({@code false}: {@code --no-huge}, 4 KB pages). */
    public boolean hugepages() {
        return hugepages;
    }

    /** The NUMA socket of the thread that started the EAL (where pools are created by default). */
    public int socket() {
        return socket;
    }

    /**
     * The shared mbuf pool that ports use unless given their own (created on first use, like Open vSwitch's
     * shared mempools), of {@link Builder#mbufs(int)} mbufs.
     */
    public DpdkMemory memory() {
        synchronized (memoryLock) {
            if (defaultMemory == null) {
                defaultMemory = createMemory("vswitch4j_mbufs", defaultMbufs);
            }
            return defaultMemory;
        }
    }

    /**
     * Creates an mbuf pool of {@code mbufs} mbufs of {@value org.vswitch4j.dpdk.internal.Layouts#RTE_MBUF_DEFAULT_BUF_SIZE}
     * bytes (128 of headroom), with a per-lcore cache of 256, on this EAL's socket.
     *
     * @throws IllegalArgumentException when the name is empty or longer than 25 characters, or mbufs is outside 64..16777215
     * @throws DpdkException when DPDK cannot create it (name taken, not enough memory: raise {@link Builder#memoryMegabytes})
     */
    public DpdkMemory createMemory(String name, int mbufs) {
        DpdkMemory m = DpdkMemory.create(this, name, mbufs);
        synchronized (memoryLock) {
            DpdkMemory[] a = java.util.Arrays.copyOf(memories, memories.length + 1);
            a[a.length - 1] = m;
            memories = a;
        }
        return m;
    }

    /** The memory whose mempool is {@code pool}, or null. A short scan: a process has a handful of pools. */
    DpdkMemory memoryOf(long pool) {
        for (DpdkMemory m : memories) {
            if (m.pool == pool) {
                return m;
            }
        }
        return null;
    }

    void forget(DpdkMemory m) {
        synchronized (memoryLock) {
            List<DpdkMemory> l = new ArrayList<>(List.of(memories));
            l.remove(m);
            memories = l.toArray(new DpdkMemory[0]);
            if (defaultMemory == m) {
                defaultMemory = null;
            }
        }
    }

    /**
     * Makes the calling thread a DPDK lcore ({@code rte_thread_register}) unless it is one. A poll thread must
     * be one: otherwise the mempool's per-lcore cache is bypassed and every burst takes the pool's shared ring
     * (measured 61 instead of 101 Mpps). Pin the thread first: DPDK records its affinity at registration.
     * Failure (more than 128 lcores) is logged once per thread; the thread then works without a cache.
     */
    static void registerCurrentThread() {
        boolean[] r = REGISTERED.get();
        if (r[0]) {
            return;
        }
        r[0] = true;
        int rc;
        try {
            rc = (int) Rte.THREAD_REGISTER.invokeExact();
        } catch (Throwable t) {
            throw new DpdkException("rte_thread_register failed", t);
        }
        if (rc != 0) {
            LOG.log(System.Logger.Level.WARNING, "rte_thread_register failed on " + Thread.currentThread().getName()
                    + ": " + Rte.strerror(Rte.errno()) + "; this thread polls without a mempool cache (slower)");
        }
    }

    /** Gives the calling thread's lcore back, if it registered one. */
    static void unregisterCurrentThread() {
        boolean[] r = REGISTERED.get();
        if (r[0]) {
            r[0] = false;
            try {
                Rte.THREAD_UNREGISTER.invokeExact();
            } catch (Throwable t) {
                throw new DpdkException("rte_thread_unregister failed", t);
            }
        }
    }

    /** Why the EAL cannot start on hugepages when {@code free} are free, with the fix; null when it can. */
    static String hugepageShortage(boolean huge, long free) {
        if (!huge || free > 0) {
            return null;
        }
        return "DPDK was asked for hugepages but /proc/meminfo shows " + (free < 0 ? "no hugepage count" : "no free 2 MB hugepage")
                + ". Fix: reserve some as root (echo 1024 > /proc/sys/vm/nr_hugepages), or use "
                + "Dpdk.builder().hugepages(false) for --no-huge (slower).";
    }

    /** Free 2 MB hugepages as /proc/meminfo reports them (-1 when unreadable). */
    static long freeHugepages() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("HugePages_Free:")) {
                    return Long.parseLong(line.substring("HugePages_Free:".length()).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** EAL options. Not thread-safe. */
    public static final class Builder {
        private Boolean hugepages;
        private int memoryMegabytes = 512;
        private int mbufs = 16383;
        private String filePrefix = "vswitch4j-" + ProcessHandle.current().pid();
        private boolean pci;
        private String logLevel = "notice";
        private final List<String> drivers = new ArrayList<>();
        private final List<String> extra = new ArrayList<>();

        private Builder() {
        }

        /**
         * {@code true}: use 2 MB hugepages and fail with the fix when none is free; {@code false}: {@code --no-huge}
         * (4 KB pages, slower, works without root). Default: hugepages when /proc/meminfo shows free ones, else
         * {@code --no-huge} with a warning.
         */
        public Builder hugepages(boolean use) {
            this.hugepages = use;
            return this;
        }

        /** Memory for DPDK in MB ({@code -m}), 64..65536; default 512 (OVS's {@code dpdk-socket-mem}). */
        public Builder memoryMegabytes(int mb) {
            if (mb < 64 || mb > 65536) {
                throw new IllegalArgumentException("DPDK memory " + mb + " MB is outside 64..65536");
            }
            this.memoryMegabytes = mb;
            return this;
        }

        /** Mbufs in the shared pool ({@link Dpdk#memory()}), 64..16777215; default 16383. */
        public Builder mbufs(int n) {
            if (n < 64 || n > 0xff_ffff) {
                throw new IllegalArgumentException("mbufs " + n + " is outside 64..16777215");
            }
            this.mbufs = n;
            return this;
        }

        /** {@code --file-prefix}: names DPDK's runtime files, so several DPDK processes coexist. Default {@code vswitch4j-<pid>}. */
        public Builder filePrefix(String prefix) {
            if (Objects.requireNonNull(prefix, "prefix").isEmpty() || !prefix.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("file prefix '" + prefix + "' must be non-empty letters, digits, '_', '.', '-'");
            }
            this.filePrefix = prefix;
            return this;
        }

        /** Whether EAL scans the PCI bus (real NICs bound to vfio-pci); default {@code false} ({@code --no-pci}). */
        public Builder pci(boolean scan) {
            this.pci = scan;
            return this;
        }

        /** EAL's log level ({@code --log-level}): emergency, alert, critical, error, warning, notice, info, debug. Default notice. */
        public Builder logLevel(String level) {
            List<String> allowed = List.of("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug");
            if (!allowed.contains(level)) {
                throw new IllegalArgumentException("log level '" + level + "' is not one of " + allowed);
            }
            this.logLevel = level;
            return this;
        }

        /**
         * A PMD to load ({@code -d}: a .so file or a directory of them). Debian's EAL loads every PMD in
         * /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0 by itself; this is for other builds.
         */
        public Builder driver(Path soOrDirectory) {
            drivers.add(soOrDirectory.toString());
            return this;
        }

        /** More EAL arguments, appended as given (for example {@code --vdev=net_ring0}). */
        public Builder extraArgs(String... args) {
            extra.addAll(List.of(args));
            return this;
        }

        /** The EAL arguments these options give (argv[0] first), for display. */
        public List<String> ealArgs() {
            return args(useHugepages(freeHugepages()));
        }

        private boolean useHugepages(long free) {
            return hugepages != null ? hugepages : free > 0;
        }

        private List<String> args(boolean huge) {
            List<String> a = new ArrayList<>();
            a.add("vswitch4j");
            a.add("--lcores=0@(" + cpuList(Affinity.allowed()) + ")");
            if (huge) {
                a.add("--in-memory");
                // One memfd per memory segment list instead of one per 2 MB page: a vhost-user guest must map all
                // of DPDK's memory, and the protocol carries at most 8 regions ("Too many memory regions").
                a.add("--single-file-segments");
            } else {
                a.add("--no-huge");
                a.add("--no-shconf"); // --no-huge implies legacy memory, which refuses --in-memory
            }
            a.add("-m");
            a.add(Integer.toString(memoryMegabytes));
            a.add("--file-prefix=" + filePrefix);
            if (!pci) {
                a.add("--no-pci");
            }
            a.add("--no-telemetry");
            a.add("--log-level=" + logLevel);
            for (String d : drivers) {
                a.add("-d");
                a.add(d);
            }
            a.addAll(extra);
            return a;
        }

        private static String cpuList(BitSet cpus) {
            StringBuilder sb = new StringBuilder();
            for (int c = cpus.nextSetBit(0); c >= 0; c = cpus.nextSetBit(c + 1)) {
                if (!sb.isEmpty()) {
                    sb.append(',');
                }
                sb.append(c);
            }
            return sb.toString();
        }

        /**
         * Starts the EAL, or returns the running one when it was started with the same arguments.
         *
         * @throws DpdkException when DPDK is not installed, hugepages were asked for and none is free, the EAL
         *                       refused to start, or an EAL with other arguments already runs in this process
         */
        public Dpdk start() {
            synchronized (Dpdk.class) {
                long free = freeHugepages();
                boolean huge = useHugepages(free);
                List<String> a = args(huge);
                if (instance != null) {
                    if (instance.args.equals(a)) {
                        return instance;
                    }
                    throw new DpdkException("DPDK's EAL already runs in this process with " + instance.args
                            + "; it cannot be started again with " + a + " (DPDK allows one EAL per process). "
                            + "Fix: use Dpdk.current() or start it once with the options every port needs.");
                }
                if (failure != null) {
                    throw new DpdkException("DPDK's EAL failed to start earlier in this process (" + failure
                            + ") and cannot be started again. Fix the cause and restart the JVM.");
                }
                Libraries.lookup();
                String shortage = hugepageShortage(huge, free);
                if (shortage != null) {
                    throw new DpdkException(shortage);
                }
                if (!huge && hugepages == null) {
                    LOG.log(System.Logger.Level.WARNING, "no free 2 MB hugepages: DPDK runs with --no-huge, about 40 %"
                            + " slower; reserve some with: echo 1024 > /proc/sys/vm/nr_hugepages");
                }
                int rc;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, a.size() + 1);
                    for (int i = 0; i < a.size(); i++) {
                        argv.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(a.get(i)));
                    }
                    rc = (int) Rte.EAL_INIT.invokeExact(a.size(), argv);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new DpdkException("rte_eal_init failed", t);
                }
                if (rc < 0) {
                    int err = Rte.errno();
                    String why = Rte.strerror(err) + " (rte_errno " + err + ")";
                    failure = why;
                    throw new DpdkException("DPDK's EAL refused to start with " + a + ": " + why
                            + ". EAL's log above says which argument or resource; common fixes: "
                            + (huge ? "free hugepages (echo 1024 > /proc/sys/vm/nr_hugepages) or hugepages(false); "
                                    : "more memory (memoryMegabytes) ; ")
                            + "a unique filePrefix when another DPDK process runs; remove the extra argument it names.");
                }
                REGISTERED.get()[0] = true; // rte_eal_init made this thread the main lcore
                instance = new Dpdk(a, huge, mbufs);
                LOG.log(System.Logger.Level.INFO, "DPDK EAL started: " + a);
                return instance;
            }
        }
    }
}
