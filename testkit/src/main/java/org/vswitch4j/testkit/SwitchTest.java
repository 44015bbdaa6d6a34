package org.vswitch4j.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A JUnit Jupiter test that gets a fresh {@link TestNetwork} (switch in synchronous mode, bridge {@code br0},
 * {@link org.vswitch4j.core.time.VirtualClock}, strict buffer pool): {@code @Test} plus
 * {@code @ExtendWith(SwitchExtension.class)}, with the network's options as attributes.
 *
 * <pre>{@code
 * @SwitchTest
 * void hostsPing(TestNetwork net) {
 *     VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
 *     VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
 *     assertTrue(a.ping(b).success());
 * }
 * }</pre>
 *
 * <p>The test fails if packet buffers are still in use once the network is closed after it.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Test
@ExtendWith(SwitchExtension.class)
public @interface SwitchTest {

    /** Packet buffers in the network's pool. */
    int buffers() default 4096;

    /** Rounds a host waits for an answer. */
    int maxRounds() default 64;

    /** The bridge's name. */
    String bridge() default "br0";
}
