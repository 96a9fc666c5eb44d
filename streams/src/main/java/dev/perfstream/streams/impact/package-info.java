/**
 * Speed vs conversion: the stats stage joins each session's LCP and INP per page with the conversions it sent, per
 * app and event-time window ({@link dev.perfstream.streams.impact.ImpactWindows}), and at window close counts
 * conversion rates by Web Vitals bucket and estimates the gain of moving the page's p75 into the next better bucket
 * ({@link dev.perfstream.streams.impact.ImpactEstimate}, {@link dev.perfstream.streams.impact.ImpactAssembler}).
 */
package dev.perfstream.streams.impact;
