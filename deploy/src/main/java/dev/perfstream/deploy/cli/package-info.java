/** The picocli entry point that gathers every module's subcommands. */
package dev.perfstream.deploy.cli;
