/**
 * The {@code ovs-ofctl} text syntax of flows, groups and meters: {@link org.vswitch4j.flow.ofctl.Ofctl} parses
 * what {@code ovs-ofctl add-flow}, {@code add-group} and {@code add-meter} take into the flow model, and prints
 * the model as {@code dump-flows}, {@code dump-groups} and {@code dump-meters} show it (Open vSwitch 3.1,
 * OpenFlow 1.3), so that operators and test suites can state flows as they do for Open vSwitch.
 */
package org.vswitch4j.flow.ofctl;
