/**
 * JMH benchmarks of vswitch4j. Build and run them with {@code ./vsw bench [JMH options]}, for example
 * {@code ./vsw bench Ring -f 1}; the jar is {@code benchmarks/target/benchmarks.jar}.
 *
 * <p>Every fork gets {@code --sun-misc-unsafe-memory-access=allow} (JMH itself uses {@code sun.misc.Unsafe};
 * our code does not) and {@code --enable-native-access=ALL-UNNAMED}.
 */
package org.vswitch4j.bench;
