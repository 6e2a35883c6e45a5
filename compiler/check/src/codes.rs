//! Codes of the dialplan checks (`DP3xx`): what registers fine but fails, or misbehaves, when
//! a call runs it.

pbxc_diagnostics::define_codes! {
    UNKNOWN_APPLICATION = "DP301" "unknown-application" Warning
        "No Asterisk version registers an application of this name (names match case-insensitively): the call hangs up there unless a third-party module provides it.";
    NOT_IN_TARGET = "DP302" "not-in-target" Error
        "The application or function does not exist in the `--target` Asterisk version.";
    MISSING_ARGUMENT = "DP303" "missing-argument" Warning
        "A required argument of the application is missing.";
    EXTRA_ARGUMENTS = "DP304" "extra-arguments" Warning
        "More arguments than the application takes: the rest is read as part of the last one.";
    INVALID_NUMBER = "DP305" "invalid-number" Warning
        "An argument that must be a number is not one (Asterisk reads it as 0 or rejects it).";
    UNKNOWN_OPTION = "DP306" "unknown-option" Warning
        "An option letter the application does not know (option letters are case-sensitive).";
    INVALID_CHOICE = "DP307" "invalid-choice" Warning
        "An argument that must be one of a fixed set of words is none of them.";
    PIPE_SEPARATOR = "DP308" "legacy-pipe-separator" Warning
        "Arguments separated by `|`: Asterisk 1.6 and later read `|` literally, so everything is one argument.";
    UNBALANCED_SUBSTITUTION = "DP310" "unbalanced-substitution" Error
        "A `${` or `$[` that never closes: Asterisk warns and uses the rest of the data as its body.";
    EXPRESSION_SYNTAX = "DP311" "expression-syntax" Error
        "A syntax error in `$[...]`: Asterisk logs it and continues with a truncated value.";
    EXPRESSION_DROPPED = "DP312" "expression-dropped-character" Warning
        "A character the `$[...]` lexer silently drops (`[`, `]`, `{`, `}`, a lone `\"` or `~`).";
    FUNCTION_CASE = "DP313" "function-name-case" Error
        "Function names are case-sensitive: `${len(x)}` finds no function and gives an empty string.";
    UNKNOWN_FUNCTION = "DP314" "unknown-function" Warning
        "No Asterisk version registers a function of this name: the substitution is empty.";
    VARIABLE_NAME_EXPECTED = "DP315" "variable-name-expected" Warning
        "The argument is the NAME of a variable, but a `${...}` value is passed.";
    MISSING_TARGET = "DP320" "missing-target" Error
        "A Goto, Gosub or other jump whose context, extension, priority or label does not exist: the call ends there.";
    INCLUDE_CYCLE = "DP321" "include-cycle" Warning
        "Contexts include each other in a cycle: Asterisk skips the repeated context, so the cycle adds nothing.";
    DYNAMIC_TARGET = "DP322" "dynamic-target" Info
        "A jump target computed at run time from channel variables: not checked.";
    PADDED_LABEL = "DP323" "padded-label" Error
        "Spaces around a GotoIf/GosubIf destination are part of the label: `GotoIf(c ? yes : no)` jumps to ` yes `.";
    WHILE_UNBALANCED = "DP330" "while-unbalanced" Warning
        "A While without an EndWhile after it in the extension, or an EndWhile without a While.";
    UNREACHABLE = "DP331" "unreachable-priority" Warning
        "A priority after an unconditional Goto, Hangup or Return that no label or jump reaches.";
    COMMA_IN_SET = "DP340" "comma-in-set" Warning
        "A `,` inside `[...]` of a pattern is one more character of the set: `_[2,3]` also matches `,`.";
    SHADOWED_EXTENSION = "DP341" "shadowed-extension" Warning
        "An extension of an included context that a pattern searched before it (in the including context, or an earlier include) always answers first.";
    ENDPOINT_CONTEXT_MISSING = "DP350" "endpoint-context-missing" Error
        "A pjsip.conf endpoint's `context=` names no dialplan context: its calls are rejected.";
    DIAL_UNKNOWN_ENDPOINT = "DP351" "dial-unknown-endpoint" Warning
        "`Dial(PJSIP/x)` where x is no endpoint of pjsip.conf: the dial fails with CHANUNAVAIL.";
    VOICEMAIL_UNKNOWN_MAILBOX = "DP352" "voicemail-unknown-mailbox" Warning
        "`VoiceMail(box)` or `VoiceMailMain(box)` where box is no mailbox of voicemail.conf: no message is left and VMSTATUS is FAILED (a copy to it is dropped); VoiceMailMain asks the caller to log in to another.";
    TAINTED_DATA = "DP360" "dialplan-injection" Warning
        "Caller-controlled data (dialled digits, caller ID, SIP headers) flows unfiltered into Dial, System, SHELL, DB keys or a computed jump: wrap it in FILTER().";
}
