import java.lang.invoke.*;
import java.lang.management.*;
import java.net.*;
import java.nio.file.*;
import java.util.*;

/**
 * Packets per second of the benchmark thread's CPU time, for A/B runs on a shared, loaded machine where JMH's
 * wall-clock scores swing with other jobs' load. Each jar (a benchmarks.jar) gets its own class loader; the
 * benchmark's {@code @Setup} runs once, then {@code forward()} is called in rounds of about WINDOW_MS of CPU time
 * per jar, jars alternated (3 warm-up rounds first). Packets per call: 32 (the benchmarks' burst).
 *
 * <pre>
 * javac -d /tmp/cpuab benchmarks/tools/CpuTimeAb.java
 * java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp /tmp/cpuab CpuTimeAb \
 *     org.vswitch4j.bench.FlowPipelineForwardBenchmark flows=10000,emc=on,revalidateMs=500 8 300 A.jar [B.jar ...]
 * </pre>
 *
 * Caution (measured, benchmarks/RESULTS.md): with several jars in one JVM each one's rate is steady within the JVM
 * but differs up to 2x between JVMs, so several jars in one JVM are not an A/B: run one jar per JVM and alternate
 * the JVMs (A B A B ...), as JMH forks do.
 */
public class CpuTimeAb {
    public static void main(String[] a) throws Throwable {
        String cls = a[0];
        String[] params = a[1].split(",");
        int rounds = Integer.parseInt(a[2]);
        long windowNs = Long.parseLong(a[3]) * 1_000_000L;
        int packetsPerCall = 32;
        List<String> names = new ArrayList<>();
        List<Object> states = new ArrayList<>();
        List<MethodHandle> fwd = new ArrayList<>();
        for (int i = 4; i < a.length; i++) {
            URLClassLoader cl = new URLClassLoader(new URL[] {Path.of(a[i]).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> c = Class.forName(cls, true, cl);
            Object s = c.getConstructor().newInstance();
            for (String p : params) {
                String[] kv = p.split("=");
                var f = c.getField(kv[0]);
                if (f.getType() == int.class) f.setInt(s, Integer.parseInt(kv[1])); else f.set(s, kv[1]);
            }
            c.getMethod("setUp").invoke(s);
            names.add(Path.of(a[i]).getFileName().toString());
            states.add(s);
            fwd.add(MethodHandles.publicLookup().findVirtual(c, "forward", MethodType.methodType(int.class)).asType(MethodType.methodType(int.class, Object.class)));
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int n = names.size();
        double[][] res = new double[n][rounds];
        long sink = 0;
        for (int r = -3; r < rounds; r++) { // 3 warm-up rounds
            for (int v = 0; v < n; v++) {
                MethodHandle h = fwd.get(v);
                Object s = states.get(v);
                long calls = 0;
                long c0 = mx.getCurrentThreadCpuTime();
                long c1;
                do {
                    for (int k = 0; k < 1000; k++) sink += (int) h.invokeExact(s);
                    calls += 1000;
                    c1 = mx.getCurrentThreadCpuTime();
                } while (c1 - c0 < windowNs);
                double mpps = calls * packetsPerCall / ((c1 - c0) / 1e9) / 1e6;
                if (r >= 0) res[v][r] = mpps;
            }
        }
        for (int v = 0; v < n; v++) {
            double[] x = res[v].clone();
            Arrays.sort(x);
            System.out.printf("%s: median %.2f Mpps per CPU-second, min %.2f, max %.2f, rounds %s%n", names.get(v), x[x.length / 2], x[0], x[x.length - 1], Arrays.toString(Arrays.stream(res[v]).map(d -> Math.round(d * 10) / 10.0).toArray()));
        }
        // wins per round for variant 1.. against variant 0
        for (int v = 1; v < n; v++) {
            int wins = 0;
            for (int r = 0; r < rounds; r++) if (res[v][r] > res[0][r]) wins++;
            System.out.printf("%s faster than %s in %d of %d rounds%n", names.get(v), names.get(0), wins, rounds);
        }
        if (sink == 42) System.out.println();
    }
}
