/**
 * Capacity per instance learned from a service's own history ({@link dev.perfstream.models.capacity.CapacityModel})
 * and scaling advice from it and the rate forecast ({@link dev.perfstream.models.capacity.ScalingAdvisor}): how many
 * instances a service needs, from when, with the forecast's 90 % interval, and what that costs. Pure functions of
 * their inputs; the advisor's only state is a small record that encodes to bytes.
 */
package dev.perfstream.models.capacity;
