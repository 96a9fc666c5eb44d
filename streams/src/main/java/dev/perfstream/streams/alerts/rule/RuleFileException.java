package dev.perfstream.streams.alerts.rule;

import java.util.List;
import java.util.stream.Collectors;

/** A rules file was rejected. Carries every problem found, not just the first. */
public final class RuleFileException extends Exception {
    private final transient List<RuleProblem> problems;

    public RuleFileException(List<RuleProblem> problems) {
        super("rules file rejected, " + problems.size() + " problem(s):\n  "
            + problems.stream().map(RuleProblem::toString).collect(Collectors.joining("\n  ")));
        this.problems = List.copyOf(problems);
    }

    public List<RuleProblem> problems() {
        return problems;
    }
}
