package org.vswitch4j.testkit;

import java.lang.reflect.Method;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.core.time.VirtualClock;

/**
 * JUnit Jupiter extension: gives each test method a fresh {@link TestNetwork} and closes it after the test,
 * failing the test when packet buffers leaked.
 *
 * <p>Parameters it resolves, for the test method and its {@code @BeforeEach}/{@code @AfterEach} methods, all
 * belonging to the same network of that test: {@link TestNetwork}, {@link Switch}, {@link Bridge},
 * {@link VirtualClock} (and {@link Clock}), {@link BufferPool}. The network is created on first use, with the
 * options of the method's {@link SwitchTest} annotation when it has one (defaults otherwise).
 *
 * <p>After each test (after the test's own {@code @AfterEach} methods) the network is shut down; if its strict
 * pool still has buffers in use, the test fails with an {@link AssertionError} naming the count. A test that
 * failed already keeps its own failure, with the leak added as a suppressed exception by JUnit.
 *
 * <p>Use it as {@code @ExtendWith(SwitchExtension.class)} on a class or method, or through {@link SwitchTest}.
 * Constructor and {@code @BeforeAll} injection are refused: a network belongs to one test method.
 */
public final class SwitchExtension implements ParameterResolver, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SwitchExtension.class);
    private static final String KEY = "network";

    /** Created by JUnit. */
    public SwitchExtension() {
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> t = parameterContext.getParameter().getType();
        return t == TestNetwork.class || t == Switch.class || t == Bridge.class || t == VirtualClock.class
                || t == Clock.class || t == BufferPool.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Optional<Method> method = extensionContext.getTestMethod();
        if (method.isEmpty()) {
            throw new ParameterResolutionException("SwitchExtension gives a network to a test method (and its"
                    + " @BeforeEach/@AfterEach methods), not to " + parameterContext.getDeclaringExecutable());
        }
        TestNetwork net = network(extensionContext, method.get());
        Class<?> t = parameterContext.getParameter().getType();
        if (t == TestNetwork.class) {
            return net;
        }
        if (t == Switch.class) {
            return net.sw();
        }
        if (t == Bridge.class) {
            return net.bridge();
        }
        if (t == BufferPool.class) {
            return net.pool();
        }
        return net.virtualClock(); // VirtualClock or Clock
    }

    private static TestNetwork network(ExtensionContext context, Method method) {
        return context.getStore(NAMESPACE).computeIfAbsent(KEY, k -> {
            TestNetwork.Builder b = TestNetwork.builder();
            AnnotationSupport.findAnnotation(method, SwitchTest.class).ifPresent(a ->
                    b.buffers(a.buffers()).maxRounds(a.maxRounds()).bridgeName(a.bridge()));
            return b.build();
        }, TestNetwork.class);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestNetwork net = context.getStore(NAMESPACE).remove(KEY, TestNetwork.class);
        if (net == null) {
            return;
        }
        long leaked = net.shutdown();
        if (leaked != 0) {
            throw new AssertionError(leaked + " packet buffer(s) leaked by " + context.getDisplayName()
                    + ": still in use after the switch and every port closed (a received view not released,"
                    + " or a buffer taken with MemoryPort.allocate and never submitted)");
        }
    }
}
