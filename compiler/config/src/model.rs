//! The resolved view of one configuration: what Asterisk's `ast_config` holds after loading,
//! every value pointing back at where it was written.

use pbxc_diagnostics::{FileId, TextRange};

/// A place in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: FileId,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// Shared with the syntax tree's text of the line, where a value is not joined (`+=`).
    pub name: std::sync::Arc<[u8]>,
    pub value: std::sync::Arc<[u8]>,
    /// Written with `=>`.
    pub object: bool,
    /// The whole `name = value` statement.
    pub origin: Origin,
    pub name_origin: Origin,
    /// Where the value's text came from: one place, or more after `+=`.
    pub value_origins: Origins,
    /// The section header that copied this variable in from a template or base section.
    pub inherited_via: Option<Origin>,
}

impl Variable {
    pub fn name_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.name)
    }

    pub fn value_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.value)
    }
}

/// Where a value's text came from: its first place, and more after `+=`. The first is held
/// here rather than in a vector: nearly every value has one place, and a vector of one would
/// be an allocation per setting, made again for every setting of a file each time the
/// language server reloads it after an edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origins {
    first: Origin,
    more: Vec<Origin>,
}

impl Origins {
    pub fn one(first: Origin) -> Origins {
        Origins {
            first,
            more: Vec::new(),
        }
    }

    pub fn push(&mut self, origin: Origin) {
        self.more.push(origin);
    }

    /// The first place; there is always one.
    pub fn first(&self) -> Origin {
        self.first
    }

    /// How many places: one, and one more for each `+=`.
    #[allow(clippy::len_without_is_empty)] // never empty: see `first`
    pub fn len(&self) -> usize {
        1 + self.more.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Origin> {
        std::iter::once(&self.first).chain(&self.more)
    }
}

impl std::ops::Index<usize> for Origins {
    type Output = Origin;

    fn index(&self, i: usize) -> &Origin {
        match i {
            0 => &self.first,
            _ => &self.more[i - 1],
        }
    }
}

impl<'a> IntoIterator for &'a Origins {
    type Item = &'a Origin;
    type IntoIter = std::iter::Chain<std::iter::Once<&'a Origin>, std::slice::Iter<'a, Origin>>;

    fn into_iter(self) -> Self::IntoIter {
        std::iter::once(&self.first).chain(&self.more)
    }
}

/// A `[section]`. Asterisk calls these categories.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub name: Box<[u8]>,
    /// `(!)`: invisible to ordinary lookups.
    pub template: bool,
    /// The header line.
    pub header: Origin,
    pub name_origin: Origin,
    /// Headers `[name](+)` that added to this section.
    pub appended_at: Vec<Origin>,
    /// Indices of the sections it inherited from, in order.
    pub bases: Vec<usize>,
    pub variables: Vec<Variable>,
}

impl Category {
    pub fn name_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.name)
    }

    /// Asterisk's `ast_variable_find`/`AST_CONFIG(…,index)` view: the `index`-th variable of
    /// that name (case-insensitive); negative counts from the end.
    pub fn get(&self, name: &[u8], index: i64) -> Option<&Variable> {
        let mut all = self
            .variables
            .iter()
            .filter(|v| v.name.eq_ignore_ascii_case(name));
        if index >= 0 {
            all.nth(index as usize)
        } else {
            all.rev().nth((-index - 1) as usize)
        }
    }
}

/// An `#include`/`#tryinclude`/`#exec` and what it loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    pub directive: Origin,
    /// The name as written (quotes removed).
    pub name: String,
    pub files: Vec<FileId>,
}

/// One loaded configuration file with everything it includes.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub categories: Vec<Category>,
    pub includes: Vec<Include>,
    /// Files read, in load order (the root first).
    pub files: Vec<FileId>,
    /// Asterisk would reject this file whole (a fatal error in the root file itself). For
    /// extensions.conf that means the previous dialplan stays active.
    pub rejected: bool,
}

impl Config {
    /// The first non-template section with that name (case-insensitive), as
    /// `ast_category_get` and `AST_CONFIG` find it.
    pub fn category(&self, name: &[u8]) -> Option<&Category> {
        self.categories
            .iter()
            .find(|c| !c.template && c.name.eq_ignore_ascii_case(name))
    }

    /// Every non-template section, in order, as pbx_config browses them.
    pub fn sections(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| !c.template)
    }
}
