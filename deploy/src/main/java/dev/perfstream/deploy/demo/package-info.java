/**
 * The all-in-one demo: which stages run, in which order ({@link dev.perfstream.deploy.demo.PipelineStages}),
 * how they are started and stopped together ({@link dev.perfstream.deploy.demo.Orchestrator}), and what
 * the user is told to look at ({@link dev.perfstream.deploy.demo.DemoGuide}).
 */
package dev.perfstream.deploy.demo;
