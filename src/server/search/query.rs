//! What a person typed into search, as a query for either database (FTS5 on SQLite, a
//! `tsquery` on PostgreSQL), and where its words are in a result.
//!
//! Why here and not in SQL: FTS5's own query syntax (`AND`, `NEAR`, column filters, quotes) is
//! not for people; a stray quote would be a syntax error. So the text is cut into words here
//! and each becomes a quoted prefix term (`"caf"*` finds café, cafeteria), all of which must
//! match. CJK text has no spaces between words: the index holds it one character per token
//! ([`index_text`]), and a run of CJK characters in the query becomes a phrase of those
//! characters, which finds it anywhere in a message, as a substring search would.
//!
//! Highlighting uses the same cutting and folding, so what is marked is what matched.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest search text taken, in characters (the form says so too).
pub const MAX_QUERY_CHARS: usize = crate::api::MAX_SEARCH_CHARS;
/// Most words (and CJK runs) in one search; more is refused rather than silently cut.
pub const MAX_QUERY_TERMS: usize = 12;
/// The longest prefix SQLite's index keeps a list for (`prefix = '2 3'` in migration 0012):
/// FTS5 reads a longer prefix by merging every word it begins.
pub const LONGEST_PREFIX_INDEX: usize = 3;
/// Characters of a message shown around its first match.
pub const SNIPPET_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("type a word to search for")]
    Empty,
    #[error("the search is too long: at most {MAX_QUERY_CHARS} characters")]
    TooLong,
    #[error("the search has too many words: at most {MAX_QUERY_TERMS}")]
    TooManyTerms,
}

/// One thing a result must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// A word, lower-cased without accents, matched as the start of a word.
    Word(String),
    /// A run of CJK characters, matched anywhere.
    Cjk(Vec<char>),
}

/// A parsed search: every term must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<Term>,
}

/// A piece of text: a word, a single CJK character, or what lies between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Word,
    Cjk,
    Other,
}

/// Chinese, Japanese and Korean scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'   // Hangul Jamo
        | '\u{2E80}'..='\u{2FDF}' // CJK radicals
        | '\u{3040}'..='\u{30FF}' // Hiragana, Katakana
        | '\u{3100}'..='\u{31FF}' // Bopomofo, Hangul compatibility Jamo, Katakana extensions
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}' // half-width Katakana
        | '\u{20000}'..='\u{3FFFF}' // CJK extensions B and later
    )
}

fn piece_of(c: char) -> Piece {
    if is_cjk(c) {
        Piece::Cjk
    } else if c.is_alphanumeric() || is_combining_mark(c) {
        Piece::Word
    } else {
        Piece::Other
    }
}

/// `text` cut into pieces, as character ranges: words whole, CJK one character each.
fn pieces(text: &[char]) -> Vec<(Piece, std::ops::Range<usize>)> {
    let mut out: Vec<(Piece, std::ops::Range<usize>)> = Vec::new();
    for (i, &c) in text.iter().enumerate() {
        let piece = piece_of(c);
        match out.last_mut() {
            Some((last, range)) if *last == piece && piece != Piece::Cjk => range.end = i + 1,
            _ => out.push((piece, i..i + 1)),
        }
    }
    out
}

/// A one-character word is matched whole: as a prefix it would be most of the dictionary.
fn is_short(word: &str) -> bool {
    word.chars().nth(1).is_none()
}

/// A word as the index compares it: no accents, lower case.
fn fold(word: &str) -> String {
    word.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// A message's text as it goes into the index: CJK characters each become a word of their own.
pub fn index_text(body: &str) -> Cow<'_, str> {
    if !body.chars().any(is_cjk) {
        return Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len() * 2);
    for c in body.chars() {
        if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A message's words as PostgreSQL's index holds them: cut and folded as a search is
/// ([`SearchQuery::parse`]), CJK one character each, separated by spaces. Cutting here rather
/// than in PostgreSQL's parser keeps both backends finding the same messages whatever the
/// database's locale.
pub fn index_words(body: &str) -> String {
    let chars: Vec<char> = body.chars().collect();
    let mut out = String::with_capacity(body.len());
    for (piece, range) in pieces(&chars) {
        let text: String = chars[range].iter().collect();
        // Folded as the query's words are; CJK characters are compared as typed.
        let word = match piece {
            Piece::Other => continue,
            Piece::Word => fold(&text),
            Piece::Cjk => text,
        };
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&word);
        }
    }
    out
}

impl SearchQuery {
    /// Read what a person typed. Punctuation separates words and is otherwise ignored.
    pub fn parse(input: &str) -> Result<Self, QueryError> {
        let chars: Vec<char> = input.trim().chars().collect();
        if chars.len() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut terms: Vec<Term> = Vec::new();
        let mut run: Vec<char> = Vec::new();
        for (piece, range) in pieces(&chars) {
            if piece == Piece::Cjk {
                run.push(chars[range.start]);
                continue;
            }
            if !run.is_empty() {
                terms.push(Term::Cjk(std::mem::take(&mut run)));
            }
            if piece == Piece::Word {
                let word = fold(&chars[range].iter().collect::<String>());
                if !word.is_empty() {
                    terms.push(Term::Word(word));
                }
            }
        }
        if !run.is_empty() {
            terms.push(Term::Cjk(run));
        }
        terms.dedup();
        match terms.len() {
            0 => Err(QueryError::Empty),
            n if n > MAX_QUERY_TERMS => Err(QueryError::TooManyTerms),
            _ => Ok(Self { terms }),
        }
    }

    /// The FTS5 `MATCH` expression: every term must match (`AND`). Terms hold only letters and
    /// digits, so quoting is safe.
    pub fn fts(&self) -> String {
        self.fts_with(&[])
    }

    /// The words FTS5's prefix indexes do not serve that could be asked as the whole words
    /// they begin (`server::search::vocabulary`): longer than [`LONGEST_PREFIX_INDEX`], and
    /// plain ASCII letters and digits, which FTS5's tokenizer reads back as the same word.
    pub fn long_words(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().filter_map(|term| match term {
            Term::Word(word)
                if word.len() > LONGEST_PREFIX_INDEX && word.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                Some(word.as_str())
            }
            _ => None,
        })
    }

    /// [`SearchQuery::fts`], with each word in `expanded` asked as any of the whole words
    /// listed beside it instead of as a prefix. The listed words must be FTS5 terms of plain
    /// ASCII letters and digits.
    pub fn fts_with(&self, expanded: &[(&str, Vec<String>)]) -> String {
        self.terms
            .iter()
            .map(|term| match term {
                Term::Word(word) if is_short(word) => format!("\"{word}\""),
                Term::Word(word) => match expanded.iter().find(|(w, _)| w == word) {
                    Some((_, words)) => {
                        let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
                        format!("({})", quoted.join(" OR "))
                    }
                    None => format!("\"{word}\"*"),
                },
                Term::Cjk(run) => {
                    let spaced: Vec<String> = run.iter().map(char::to_string).collect();
                    format!("\"{}\"", spaced.join(" "))
                }
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The same search as a PostgreSQL `to_tsquery('simple', …)` expression: every term must
    /// match (`&`), words as prefixes (`:*`), a CJK run as a phrase of adjacent characters
    /// (`<->`). Terms hold only letters and digits, so no operator can come from the input.
    pub fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|term| match term {
                Term::Word(word) if is_short(word) => word.clone(),
                Term::Word(word) => format!("{word}:*"),
                Term::Cjk(run) => {
                    let chars: Vec<String> = run.iter().map(char::to_string).collect();
                    format!("({})", chars.join(" <-> "))
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// `text` around its first match, as pieces that are or are not a match, in order.
    pub fn highlight(&self, text: &str) -> Vec<(String, bool)> {
        let chars: Vec<char> = text.chars().collect();
        let mut hit = vec![false; chars.len()];
        for (piece, range) in pieces(&chars) {
            if piece != Piece::Word {
                continue;
            }
            let word = fold(&chars[range.clone()].iter().collect::<String>());
            let matches = |term: &Term| match term {
                Term::Word(w) if is_short(w) => word == *w,
                Term::Word(w) => word.starts_with(w.as_str()),
                Term::Cjk(_) => false,
            };
            if self.terms.iter().any(matches) {
                hit[range].fill(true);
            }
        }
        for term in &self.terms {
            let Term::Cjk(run) = term else { continue };
            let mut i = 0;
            while i + run.len() <= chars.len() {
                if chars[i..i + run.len()] == run[..] {
                    hit[i..i + run.len()].fill(true);
                    i += run.len();
                } else {
                    i += 1;
                }
            }
        }
        let (start, end) = window(&chars, &hit);
        let mut out: Vec<(String, bool)> = Vec::new();
        if start > 0 {
            out.push(("…".to_owned(), false));
        }
        for i in start..end {
            // Line breaks read as spaces in a one-paragraph snippet.
            let c = if chars[i].is_whitespace() { ' ' } else { chars[i] };
            match out.last_mut() {
                Some((piece, marked)) if *marked == hit[i] && !(i == start && start > 0) => piece.push(c),
                _ => out.push((c.to_string(), hit[i])),
            }
        }
        if end < chars.len() {
            out.push(("…".to_owned(), false));
        }
        out
    }
}

/// The characters to show: [`SNIPPET_CHARS`] starting a little before the first match, at
/// the start of a word when one is near.
fn window(chars: &[char], hit: &[bool]) -> (usize, usize) {
    if chars.len() <= SNIPPET_CHARS {
        return (0, chars.len());
    }
    let first = hit.iter().position(|&h| h).unwrap_or(0);
    let mut start = first.saturating_sub(SNIPPET_CHARS / 4);
    if start > 0
        && let Some(space) = chars[start..first].iter().position(|c| c.is_whitespace())
    {
        start += space + 1;
    }
    let start = start.min(chars.len().saturating_sub(SNIPPET_CHARS));
    (start, (start + SNIPPET_CHARS).min(chars.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(query: &str, text: &str) -> Vec<String> {
        let query = SearchQuery::parse(query).expect("a query");
        query.highlight(text).into_iter().filter(|(_, m)| *m).map(|(t, _)| t).collect()
    }

    #[test]
    fn words_become_quoted_prefix_terms_that_must_all_match() {
        let query = SearchQuery::parse("  Lunch, tomorrow? ").expect("parsed");
        assert_eq!(query.fts(), "\"lunch\"* AND \"tomorrow\"*");
        assert_eq!(query.tsquery(), "lunch:* & tomorrow:*");
    }

    #[test]
    fn postgres_indexes_the_words_a_search_is_cut_into() {
        assert_eq!(index_words("Café-crème at 9:30, 東京タワーで!"), "cafe creme at 9 30 東 京 タ ワ ー で");
        assert_eq!(index_words(" ... "), "");
    }

    #[test]
    fn fts_syntax_typed_by_a_person_is_only_words() {
        let query = SearchQuery::parse("\"ab\" OR bc* NEAR(cd) body:de -ef ^fg").expect("parsed");
        assert_eq!(
            query.fts(),
            "\"ab\"* AND \"or\"* AND \"bc\"* AND \"near\"* AND \"cd\"* AND \"body\"* AND \"de\"* AND \"ef\"* AND \"fg\"*"
        );
    }

    #[test]
    fn a_single_letter_is_a_whole_word_not_a_prefix() {
        let query = SearchQuery::parse("a plan").expect("parsed");
        assert_eq!(query.fts(), "\"a\" AND \"plan\"*");
        assert_eq!(marked("a plan", "a plan and another plane"), ["a", "plan", "plane"]);
    }

    #[test]
    fn only_plain_words_longer_than_the_prefix_indexes_can_be_asked_as_whole_words() {
        let query = SearchQuery::parse("lunch the café naïve 東京 x").expect("parsed");
        assert_eq!(query.long_words().collect::<Vec<_>>(), ["lunch", "cafe", "naive"]);
        let expanded = [("lunch", vec!["lunch".to_owned(), "lunches".to_owned()])];
        assert_eq!(
            query.fts_with(&expanded),
            "(\"lunch\" OR \"lunches\") AND \"the\"* AND \"cafe\"* AND \"naive\"* AND \"東 京\" AND \"x\""
        );
    }

    #[test]
    fn accents_are_folded_in_the_query() {
        assert_eq!(SearchQuery::parse("Café Ñandú").expect("parsed").fts(), "\"cafe\"* AND \"nandu\"*");
    }

    #[test]
    fn cjk_runs_become_phrases_of_single_characters() {
        let query = SearchQuery::parse("東京タワー で").expect("parsed");
        assert_eq!(query.fts(), "\"東 京 タ ワ ー\" AND \"で\"");
        assert_eq!(query.tsquery(), "(東 <-> 京 <-> タ <-> ワ <-> ー) & (で)");
        assert_eq!(index_text("私は東京へ"), " 私  は  東  京  へ ");
        assert!(matches!(index_text("plain text"), Cow::Borrowed("plain text")));
    }

    #[test]
    fn nothing_to_search_for_is_an_error_not_an_empty_query() {
        assert_eq!(SearchQuery::parse("  ?! -- "), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse(&"x".repeat(MAX_QUERY_CHARS + 1)), Err(QueryError::TooLong));
        let many = (0..=MAX_QUERY_TERMS).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(SearchQuery::parse(&many), Err(QueryError::TooManyTerms));
    }

    #[test]
    fn highlights_whole_words_that_start_with_a_term_whatever_their_accents() {
        assert_eq!(marked("cafe lun", "Lunch at the Café? Sure, café au lait"), ["Lunch", "Café", "café"]);
        assert_eq!(marked("east", "beast feast"), Vec::<String>::new());
    }

    #[test]
    fn highlights_cjk_runs_inside_longer_text() {
        assert_eq!(marked("東京", "私は東京へ行く。東京！"), ["東京", "東京"]);
    }

    #[test]
    fn a_long_message_is_cut_around_its_first_match() {
        let text = format!("{} needle {}", "hay ".repeat(200), "straw ".repeat(200));
        let parts = SearchQuery::parse("needle").expect("parsed").highlight(&text);
        assert_eq!(parts.first().map(|p| p.0.as_str()), Some("…"));
        assert_eq!(parts.last().map(|p| p.0.as_str()), Some("…"));
        assert!(parts.iter().any(|(t, m)| *m && t == "needle"));
        let shown: usize = parts.iter().map(|(t, _)| t.chars().count()).sum();
        assert_eq!(shown, SNIPPET_CHARS + 2);
    }

    #[test]
    fn a_short_message_is_shown_whole_with_line_breaks_as_spaces() {
        let parts = SearchQuery::parse("two").expect("parsed").highlight("one\ntwo");
        assert_eq!(parts, [("one ".to_owned(), false), ("two".to_owned(), true)]);
    }
}
