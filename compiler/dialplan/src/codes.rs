//! Codes for what pbx_config reports while registering a dialplan (`DP1xx`), and for what it
//! accepts silently although it can never work as written (`DP2xx`).

pbxc_diagnostics::define_codes! {
    SAME_BEFORE_EXTEN = "DP101" "same-before-exten" Error
        "`same =>` before any `exten =>` in the section: the line is dropped.";
    LABEL_UNCLOSED = "DP102" "label-unclosed" Warning
        "A priority label `(name` without `)`: the line is dropped.";
    NEXT_ON_FIRST = "DP103" "next-on-first-entry" Warning
        "`n`/`s` priority on the first line of a section (the counter restarts per section): the line is dropped.";
    INVALID_PRIORITY = "DP104" "invalid-priority" Warning
        "A priority that is not a number >= 1, `n`, `s`, `hint` or a label of the extension: the line is dropped.";
    NO_CLOSING_PAREN = "DP105" "no-closing-parenthesis" Warning
        "Application data with no `)`: the rest of the line is taken as data.";
    CATCH_ALL = "DP106" "catch-all-pattern" Warning
        "`_.` and `_!` also match `h`, `i`, `t`, `e` and the other special extensions; use `_X.`.";
    DUPLICATE_PRIORITY = "DP107" "duplicate-priority" Warning
        "The priority is already defined for this extension (or one that compares equal): the first definition wins.";
    DUPLICATE_LABEL = "DP108" "duplicate-label" Warning
        "The label is already used at another priority of the extension: it is dropped here.";
    EMPTY_EXTENSION = "DP109" "empty-extension" Error
        "An `exten =>` line with no extension name: the line is dropped.";
    DUPLICATE_INCLUDE = "DP110" "duplicate-include" Warning
        "The context is already included: the repeated include is ignored.";
    INCLUDE_MISSING_CONTEXT = "DP111" "include-missing-context" Warning
        "`include =>` names no context of this dialplan: it includes nothing.";
    DUPLICATE_SWITCH = "DP112" "duplicate-switch" Warning
        "The same switch is already in the context: the repeated one is ignored.";
    DUPLICATE_IGNOREPAT = "DP113" "duplicate-ignorepat" Warning
        "The same ignore pattern is already in the context.";
    UNKNOWN_STATEMENT = "DP114" "unknown-statement" Warning
        "A `key => value` in a context that pbx_config does not know: ignored.";
    DROPPED_AFTER_HINT = "DP201" "dropped-after-hint" Warning
        "An `n` priority right after a `hint` line computes priority 0: Asterisk drops the line silently.";
    NO_PRIORITY_ONE = "DP202" "no-priority-one" Warning
        "The extension has no priority 1: a call to it finds nothing to run.";
    INCLUDE_NAME_SPACE = "DP203" "include-name-has-space" Warning
        "The included context's name ends or starts with a space (`include => ctx , times`): no such context.";
    APP_TRAILING_SPACE = "DP204" "application-trailing-space" Error
        "A space between the application name and `(`: Asterisk looks up an application whose name ends in a space and hangs up.";
    UNCLOSED_SET = "DP205" "unclosed-set-in-pattern" Warning
        "A `[` in a pattern that never closes (the line's commas went into the name).";
    LEGACY_COMMA_APP = "DP206" "application-with-comma" Error
        "`App,args` without parentheses registers an application literally named `App,args`.";
}
