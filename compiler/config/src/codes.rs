//! Codes for what Asterisk's line processing (`process_text_line`) and include handling report.
//! `CFG1xx` make Asterisk stop reading a file (for the file `pbxc` was asked about: reject
//! it whole); `CFG2xx` are warnings; `CFG3xx` information.

pbxc_diagnostics::define_codes! {
    UNCLOSED_SECTION = "CFG101" "unclosed-section" Error
        "A `[` section header with no `]`: Asterisk stops reading the file.";
    UNCLOSED_SECTION_OPTIONS = "CFG102" "unclosed-section-options" Error
        "A section header's `(` options have no `)`: Asterisk stops reading the file.";
    APPEND_TO_MISSING = "CFG103" "append-to-missing-section" Error
        "`[name](+)` names no earlier non-template section: Asterisk stops reading the file.";
    INHERIT_FROM_MISSING = "CFG104" "inherit-from-missing-section" Error
        "`[name](base)` names no section or template defined earlier: Asterisk stops reading the file.";
    NO_SECTION = "CFG105" "no-section" Error
        "A setting before the first section header: Asterisk stops reading the file.";
    INVALID_ESCAPE = "CFG106" "invalid-escape" Error
        "A line starting with `\\` followed by a blank: Asterisk stops reading the file.";
    INCLUDE_NOT_FOUND = "CFG107" "include-not-found" Error
        "`#include` names no readable file: Asterisk stops reading the including file.";
    INCLUDE_TOO_DEEP = "CFG108" "include-too-deep" Error
        "`#include` nested more than 10 levels deep: Asterisk treats the file as missing.";
    INCLUDE_CYCLE = "CFG109" "include-cycle" Error
        "A file includes itself, directly or not: Asterisk loads it again and again until the nesting limit, then fails.";
    INCLUDE_LIMIT = "CFG110" "include-limit" Error
        "Includes fan out beyond 10,000 files or 5 million lines read: pbxc stops reading the configuration.";
    MISSING_EQUALS = "CFG201" "missing-equals" Warning
        "A line with no `=` is ignored.";
    MISSING_NAME = "CFG202" "missing-name" Warning
        "A setting with nothing before `=` is ignored.";
    UNKNOWN_DIRECTIVE = "CFG203" "unknown-directive" Warning
        "A `#` directive other than include, tryinclude and exec is ignored.";
    DIRECTIVE_WITHOUT_ARGUMENT = "CFG204" "directive-without-argument" Warning
        "`#include`, `#tryinclude` or `#exec` with nothing after it is ignored.";
    TEXT_AFTER_SECTION = "CFG205" "text-after-section-header" Warning
        "Text after a section header's `]` (or `)`) is ignored; `[name] (!)` with a space is not a template.";
    SECTION_NAME_TOO_LONG = "CFG206" "section-name-too-long" Warning
        "Section names are cut to 79 bytes.";
    INCLUDED_TWICE = "CFG207" "included-twice" Warning
        "The same `#include` name appears twice: its contents load twice.";
    EXEC_DISABLED = "CFG208" "exec-disabled" Warning
        "`#exec` is ignored unless `execincludes = yes` in asterisk.conf `[options]`.";
    EXEC_NOT_RUN = "CFG209" "exec-not-run" Warning
        "pbxc runs `#exec` commands only with `--allow-exec`; their output is not checked otherwise.";
    EXEC_FAILED = "CFG210" "exec-failed" Warning
        "A `#exec` command could not be run.";
    NOT_A_FILE = "CFG211" "not-a-regular-file" Warning
        "An include matched something that is not a regular file; Asterisk ignores it.";
    EMPTY_SECTION_OPTION = "CFG212" "empty-section-option" Warning
        "An empty entry in `[name](...)` (`()`, `(a,)`) inherits from the first section of the configuration.";
    TRYINCLUDE_NOT_FOUND = "CFG301" "tryinclude-not-found" Info
        "`#tryinclude` names no file; nothing is loaded.";
}
