//! 人民币 amounts: uppercase (大写) strings and figure texts, in integer 分.
//!
//! Grammar of the uppercase form: digits 零壹贰叁肆伍陆柒捌玖, small units
//! 拾佰仟, section units 万 and 亿 (万亿 = 10^12), currency units 元/圆, 角,
//! 分, terminator 整/正, optional prefix 人民币. Traditional forms (貳 參 陸 萬
//! 億 圓) are accepted without comment (PBoC 票据书写规定: "也应受理").
//!
//! Deviations from the writing norms of 会计基础工作规范 第52条 and the PBoC
//! 票据 rules are *warnings*, because the value is still unambiguous:
//! lower-case numerals (一二三, 十百千), forbidden substitutes (两 毛 另),
//! missing 整 after 元 or 角, 整 after 分, missing or doubled 零, a gap
//! between 人民币 and the amount. Strings whose value is ambiguous
//! (`壹佰拾元`, `贰两元`, `伍拾万` without 元) are errors. Values are never
//! floats.

use crate::text::unify_char;
use serde::Serialize;
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

/// A parsed amount in integer 分 (1 元 = 100 分).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmountParse {
    /// Value in 分.
    pub fen: i64,
    /// Writing-norm deviations (Chinese); empty if the text is conforming.
    pub warnings: Vec<String>,
}

impl AmountParse {
    /// The value in 元 as a decimal string with two places, e.g. `5000000.00`.
    pub fn yuan_string(&self) -> String {
        let sign = if self.fen < 0 { "-" } else { "" };
        let a = self.fen.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// Why an amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AmountError {
    /// Nothing to parse.
    #[error("金额为空")]
    Empty,
    /// A character that has no place in an amount.
    #[error("第{pos}个字符“{ch}”不是金额用字")]
    UnexpectedChar {
        /// The character.
        ch: char,
        /// 1-based character position in the normalised text.
        pos: usize,
    },
    /// Two digits without a unit between them (`贰两元`).
    #[error("第{pos}个字符处两个数字相连，缺少单位，金额有歧义")]
    ConsecutiveDigits {
        /// 1-based position of the second digit.
        pos: usize,
    },
    /// A unit without its digit (`壹佰拾元`).
    #[error("第{pos}个字符“{unit}”前缺少数字，金额有歧义")]
    MissingDigit {
        /// The unit.
        unit: char,
        /// 1-based position.
        pos: usize,
    },
    /// Units out of order or repeated (`壹拾壹佰`, `壹万壹万`).
    #[error("第{pos}个字符“{unit}”的位置不对（单位顺序错误或重复）")]
    UnitOrder {
        /// The unit.
        unit: char,
        /// 1-based position.
        pos: usize,
    },
    /// Digits with no 元/角/分 after them.
    #[error("缺少货币单位“元”（或“角”“分”），无法确定金额")]
    MissingCurrencyUnit,
    /// Any other structural problem.
    #[error("金额格式错误：{0}")]
    Malformed(String),
    /// Larger than the supported range.
    #[error("金额超出可处理的范围")]
    Overflow,
    /// Uppercase and figure amounts in one string disagree.
    #[error("大写金额{upper}与小写金额{figure}不一致")]
    Mismatch {
        /// Uppercase value in 元 (two decimals).
        upper: String,
        /// Figure value in 元 (two decimals).
        figure: String,
    },
    /// A figure amount (`500万元`) without unit or currency sign.
    #[error("缺少金额单位（元、万元或¥）：“{0}”")]
    MissingUnit(String),
    /// A figure amount finer than 1 分.
    #[error("金额精确到分以下：“{0}”")]
    SubFen(String),
    /// A figure amount that is not a number.
    #[error("小写金额“{0}”格式错误")]
    BadFigure(String),
}

/// Token with its 1-based character position.
type Spanned = (Tok, usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Digit(u8),
    Zero,
    Unit(u32),
    Wan,
    Yi,
    Yuan,
    Jiao,
    Fen,
    Zheng,
}

/// Warning flags collected while tokenising (each reported once).
#[derive(Default)]
struct Flags {
    lower: bool,
    liang: bool,
    mao: bool,
    ling_substitute: bool,
    kuai: bool,
}

fn tok_of(c: char, f: &mut Flags) -> Option<Tok> {
    Some(match c {
        '零' => Tok::Zero,
        '〇' | '○' => {
            f.lower = true;
            Tok::Zero
        }
        '另' => {
            f.ling_substitute = true;
            Tok::Zero
        }
        '壹' => Tok::Digit(1),
        '贰' | '貳' => Tok::Digit(2),
        '叁' | '參' | '叄' => Tok::Digit(3),
        '肆' => Tok::Digit(4),
        '伍' => Tok::Digit(5),
        '陆' | '陸' => Tok::Digit(6),
        '柒' => Tok::Digit(7),
        '捌' => Tok::Digit(8),
        '玖' => Tok::Digit(9),
        '两' | '兩' => {
            f.liang = true;
            Tok::Digit(2)
        }
        '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' => {
            f.lower = true;
            Tok::Digit(crate::text::digit_value(c)?)
        }
        '拾' => Tok::Unit(10),
        '佰' => Tok::Unit(100),
        '仟' => Tok::Unit(1000),
        '十' | '百' | '千' => {
            f.lower = true;
            Tok::Unit(match c {
                '十' => 10,
                '百' => 100,
                _ => 1000,
            })
        }
        '万' | '萬' => Tok::Wan,
        '亿' | '億' => Tok::Yi,
        '元' | '圆' | '圓' => Tok::Yuan,
        '块' | '塊' => {
            f.kuai = true;
            Tok::Yuan
        }
        '角' => Tok::Jiao,
        '毛' => {
            f.mao = true;
            Tok::Jiao
        }
        '分' => Tok::Fen,
        '整' | '正' => Tok::Zheng,
        _ => return None,
    })
}

fn push_once(w: &mut Vec<String>, s: &str) {
    if !w.iter().any(|x| x == s) {
        w.push(s.to_string());
    }
}

const W_DOUBLE_ZERO: &str = "连续写了多个“零”（一个零位串只写一个“零”）";
const W_EXTRA_ZERO: &str = "多余的“零”";
const W_MISSING_ZERO: &str = "中间有零位但未写“零”（会计基础工作规范第52条）";

/// Parse an uppercase RMB amount (`人民币伍拾万元整`, `壹佰元零伍分`) into 分.
///
/// A trailing figure in brackets or after `¥` (`叁拾万元整（￥300000.00）`) is
/// parsed too and must agree with the uppercase value.
pub fn parse_rmb_upper(input: &str) -> Result<AmountParse, AmountError> {
    let norm: String = input.nfkc().map(unify_char).collect();
    let mut warnings = Vec::new();
    let mut s = norm.trim();
    // Optional labels before the currency name.
    for label in ["(大写)", "大写:", "大写"] {
        if let Some(r) = s.strip_prefix(label) {
            s = r.trim_start();
        }
    }
    if let Some(r) = s.strip_prefix("人民币") {
        let rest = r.trim_start_matches(|c: char| c.is_whitespace() || c == ':');
        if rest.len() != r.len() {
            warnings.push(
                "“人民币”与金额之间有空白或冒号（会计基础工作规范第52条：货币名称与金额之间不得留有空白）"
                    .to_string(),
            );
        }
        s = rest;
    }
    // Mixed form: uppercase followed by a figure.
    let mut figure: Option<&str> = None;
    if let Some(i) = s.find(['(', '¥']) {
        if i > 0 {
            figure = Some(&s[i..]);
            s = s[..i].trim_end();
        }
    }
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    let mut flags = Flags::default();
    let mut toks: Vec<(Tok, usize)> = Vec::with_capacity(s.chars().count());
    for (i, c) in s.chars().enumerate() {
        match tok_of(c, &mut flags) {
            Some(t) => toks.push((t, i + 1)),
            None => return Err(AmountError::UnexpectedChar { ch: c, pos: i + 1 }),
        }
    }
    if flags.lower {
        warnings.push("使用了小写数字（一、二、三…/十、百、千），应使用壹、贰、叁…/拾、佰、仟（会计基础工作规范第52条）".into());
    }
    if flags.liang {
        warnings.push("使用了“两”，应写“贰”".into());
    }
    if flags.mao {
        warnings.push("使用了“毛”，应写“角”".into());
    }
    if flags.ling_substitute {
        warnings.push("使用了“另”，应写“零”".into());
    }
    if flags.kuai {
        warnings.push("使用了“块”，应写“元”".into());
    }

    let yuan_positions: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.0 == Tok::Yuan)
        .map(|(i, _)| i)
        .collect();
    let (int_toks, dec_toks): (&[Spanned], &[Spanned]) = match yuan_positions.as_slice() {
        [] => (&[], &toks[..]),
        [i] => (&toks[..*i], &toks[i + 1..]),
        [_, second, ..] => {
            return Err(AmountError::UnitOrder {
                unit: '元',
                pos: toks[*second].1,
            })
        }
    };
    let has_yuan = !yuan_positions.is_empty();
    if !has_yuan
        && dec_toks
            .iter()
            .any(|t| matches!(t.0, Tok::Unit(_) | Tok::Wan | Tok::Yi))
    {
        return Err(AmountError::MissingCurrencyUnit);
    }
    let (int_value, int_nonzero, int_ends_zero) = if has_yuan {
        if int_toks.is_empty() {
            return Err(AmountError::MissingDigit {
                unit: '元',
                pos: toks[yuan_positions[0]].1,
            });
        }
        parse_integer(int_toks, &mut warnings)?
    } else {
        (0, false, false)
    };
    let dec = parse_decimal(
        dec_toks,
        has_yuan,
        int_nonzero,
        int_ends_zero,
        &mut warnings,
    )?;
    let fen = int_value
        .checked_mul(100)
        .and_then(|v| v.checked_add(dec))
        .and_then(|v| i64::try_from(v).ok())
        .ok_or(AmountError::Overflow)?;
    if let Some(fig) = figure {
        let fig_fen = parse_figure_part(fig)?;
        if fig_fen != fen {
            return Err(AmountError::Mismatch {
                upper: AmountParse {
                    fen,
                    warnings: Vec::new(),
                }
                .yuan_string(),
                figure: AmountParse {
                    fen: fig_fen,
                    warnings: Vec::new(),
                }
                .yuan_string(),
            });
        }
        warnings.push("大写金额后附有小写金额，二者一致".into());
    }
    Ok(AmountParse { fen, warnings })
}

/// `(¥300000.00)`, `¥300000.00`, `(小写:¥300,000.00元)` → 分.
fn parse_figure_part(fig: &str) -> Result<i64, AmountError> {
    let inner: String = fig
        .chars()
        .filter(|c| !matches!(c, '(' | ')' | ':'))
        .collect();
    let inner = inner.trim_start_matches("小写").to_string();
    let with_sign = if inner.starts_with('¥') {
        inner
    } else {
        format!("¥{inner}")
    };
    parse_figure(&with_sign).map(|p| p.fen)
}

/// Integer part before 元. Returns (value in 元, nonzero, ends in a zero digit).
fn parse_integer(
    toks: &[(Tok, usize)],
    warnings: &mut Vec<String>,
) -> Result<(i128, bool, bool), AmountError> {
    if toks.iter().all(|t| t.0 == Tok::Zero) {
        if toks.len() > 1 {
            push_once(warnings, W_DOUBLE_ZERO);
        }
        return Ok((0, false, false));
    }
    const SENTINEL: u32 = 10_000;
    let mut acc_yi: i128 = 0;
    let mut yi_seen = false;
    let mut acc_wan: i128 = 0;
    let mut wan_seen = false;
    let mut section: i128 = 0;
    let mut pending: Option<(u8, bool)> = None; // digit, zero before it
    let mut last_unit = SENTINEL;
    let mut zero_run = 0u32;
    // Non-zero digits as (power of ten, 零 written before it).
    let mut all: Vec<(u32, bool)> = Vec::new();
    let mut block: Vec<(u32, bool)> = Vec::new();
    let mut sec: Vec<(u32, bool)> = Vec::new();
    for (k, &(t, pos)) in toks.iter().enumerate() {
        match t {
            Tok::Digit(d) => {
                if pending.is_some() {
                    return Err(AmountError::ConsecutiveDigits { pos });
                }
                pending = Some((d, zero_run > 0));
                zero_run = 0;
            }
            Tok::Zero => {
                if pending.is_some() {
                    return Err(AmountError::Malformed(format!(
                        "第{pos}个字符“零”紧跟在数字后，缺少单位"
                    )));
                }
                zero_run += 1;
                if zero_run == 2 {
                    push_once(warnings, W_DOUBLE_ZERO);
                }
            }
            Tok::Unit(u) => {
                let unit_ch = match u {
                    10 => '拾',
                    100 => '佰',
                    _ => '仟',
                };
                let (d, zb) = match pending.take() {
                    Some(p) => p,
                    // A bare 拾 opening the amount means 壹拾.
                    None if u == 10 && k == 0 => {
                        warnings.push("“拾”前应写“壹”（如“壹拾万元整”）".into());
                        (1, false)
                    }
                    None => return Err(AmountError::MissingDigit { unit: unit_ch, pos }),
                };
                if u >= last_unit {
                    return Err(AmountError::UnitOrder { unit: unit_ch, pos });
                }
                section += i128::from(d) * i128::from(u);
                last_unit = u;
                sec.push((u.ilog10(), zb));
            }
            Tok::Wan | Tok::Yi => {
                let unit_ch = if t == Tok::Wan { '万' } else { '亿' };
                if let Some((d, zb)) = pending.take() {
                    section += i128::from(d);
                    sec.push((0, zb));
                }
                if zero_run > 0 {
                    push_once(warnings, W_EXTRA_ZERO);
                    zero_run = 0;
                }
                if t == Tok::Wan {
                    if wan_seen {
                        return Err(AmountError::UnitOrder { unit: unit_ch, pos });
                    }
                    if section == 0 {
                        return Err(AmountError::MissingDigit { unit: unit_ch, pos });
                    }
                    acc_wan = section * 10_000;
                    wan_seen = true;
                    block.extend(sec.drain(..).map(|(p, z)| (p + 4, z)));
                } else {
                    if yi_seen {
                        return Err(AmountError::UnitOrder { unit: unit_ch, pos });
                    }
                    let b = acc_wan + section;
                    if b == 0 {
                        return Err(AmountError::MissingDigit { unit: unit_ch, pos });
                    }
                    acc_yi = b.checked_mul(100_000_000).ok_or(AmountError::Overflow)?;
                    yi_seen = true;
                    all.extend(
                        block
                            .drain(..)
                            .chain(sec.drain(..))
                            .map(|(p, z)| (p + 8, z)),
                    );
                    acc_wan = 0;
                    wan_seen = false;
                }
                section = 0;
                last_unit = SENTINEL;
            }
            _ => {
                return Err(AmountError::Malformed(format!("第{pos}个字符位置不对")));
            }
        }
    }
    if let Some((d, zb)) = pending.take() {
        section += i128::from(d);
        sec.push((0, zb));
    }
    if zero_run > 0 {
        push_once(warnings, W_EXTRA_ZERO);
    }
    all.extend(block);
    all.extend(sec);
    // Writing norm: one 零 for each internal zero run. PBoC allows omitting it
    // when the run ends in the 万 place (likewise 亿, 万亿) and the next
    // digit is a 仟 (壹拾万柒仟元).
    if let Some(&(_, zb)) = all.first() {
        if zb {
            push_once(warnings, W_EXTRA_ZERO);
        }
    }
    for w in all.windows(2) {
        let (hi, (lo, zb)) = (w[0].0, w[1]);
        if hi <= lo {
            return Err(AmountError::Malformed("数位顺序错误".into()));
        }
        let gap = hi - lo - 1;
        if gap > 0 && !zb && (lo + 1) % 4 != 0 {
            push_once(warnings, W_MISSING_ZERO);
        } else if gap == 0 && zb {
            push_once(warnings, W_EXTRA_ZERO);
        }
    }
    let total = acc_yi + acc_wan + section;
    let ends_zero = all.last().is_some_and(|&(p, _)| p > 0);
    Ok((total, total != 0, ends_zero))
}

/// Part after 元 (or the whole string when there is no 元): returns 分.
fn parse_decimal(
    toks: &[(Tok, usize)],
    has_yuan: bool,
    int_nonzero: bool,
    int_ends_zero: bool,
    warnings: &mut Vec<String>,
) -> Result<i128, AmountError> {
    let mut i = 0;
    let mut zeros_after_yuan = 0;
    while i < toks.len()
        && toks[i].0 == Tok::Zero
        && !matches!(toks.get(i + 1).map(|t| t.0), Some(Tok::Jiao | Tok::Fen))
    {
        zeros_after_yuan += 1;
        i += 1;
    }
    if zeros_after_yuan > 1 {
        push_once(warnings, W_DOUBLE_ZERO);
    }
    let digit_at = |i: usize| -> Option<u8> {
        match toks.get(i).map(|t| t.0) {
            Some(Tok::Digit(d)) => Some(d),
            Some(Tok::Zero) => Some(0),
            _ => None,
        }
    };
    let mut jiao: Option<u8> = None;
    let mut fen: Option<u8> = None;
    let mut zero_between = false;
    if let (Some(d), Some(Tok::Jiao)) = (digit_at(i), toks.get(i + 1).map(|t| t.0)) {
        if d == 0 {
            warnings.push("“零角”不应书写".into());
        }
        jiao = Some(d);
        i += 2;
        while i < toks.len()
            && toks[i].0 == Tok::Zero
            && !matches!(toks.get(i + 1).map(|t| t.0), Some(Tok::Fen))
        {
            zero_between = true;
            i += 1;
        }
    }
    if let (Some(d), Some(Tok::Fen)) = (digit_at(i), toks.get(i + 1).map(|t| t.0)) {
        if d == 0 {
            warnings.push("“零分”不应书写".into());
        }
        fen = Some(d);
        i += 2;
    }
    let mut zheng = false;
    if let Some(&(Tok::Zheng, _)) = toks.get(i) {
        zheng = true;
        i += 1;
    }
    if let Some(&(t, pos)) = toks.get(i) {
        return Err(match t {
            Tok::Digit(_) | Tok::Zero => {
                AmountError::Malformed(format!("第{pos}个字符处的数字后缺少单位（角或分）"))
            }
            Tok::Jiao => AmountError::MissingDigit { unit: '角', pos },
            Tok::Fen => AmountError::MissingDigit { unit: '分', pos },
            Tok::Zheng => AmountError::Malformed(format!("第{pos}个字符处“整”重复")),
            _ => AmountError::UnitOrder { unit: '元', pos },
        });
    }
    if !has_yuan && jiao.is_none() && fen.is_none() {
        return Err(if toks.is_empty() {
            AmountError::Empty
        } else {
            AmountError::MissingCurrencyUnit
        });
    }
    if zero_between && jiao.is_some_and(|j| j != 0) && fen.is_some() {
        push_once(warnings, W_EXTRA_ZERO);
    }
    let j = jiao.unwrap_or(0);
    let f = fen.unwrap_or(0);
    // 零 after 元: required when 角 is empty and 分 is not (壹元零伍分);
    // optional when 角 is not empty (壹拾元零伍角 or 壹拾元伍角); superfluous otherwise.
    if has_yuan && int_nonzero {
        if jiao.is_none() && fen.is_some() && zeros_after_yuan == 0 {
            warnings.push("角位为零时，“元”后应写“零”（如“壹元零伍分”）".into());
        }
        if zeros_after_yuan > 0 && jiao.is_none() && fen.is_none() {
            push_once(warnings, W_EXTRA_ZERO);
        }
        let _ = int_ends_zero;
    } else if zeros_after_yuan > 0 && (jiao.is_some() || fen.is_some()) && !has_yuan {
        push_once(warnings, W_EXTRA_ZERO);
    }
    match (jiao.is_some(), fen.is_some(), zheng) {
        (_, true, true) => warnings.push("“分”后不应写“整”".into()),
        (true, false, false) => {
            warnings.push("以“角”结尾应写“整”（会计基础工作规范第52条；票据规定可省略）".into())
        }
        (false, false, false) => warnings.push("以“元”结尾应写“整”或“正”".into()),
        _ => {}
    }
    Ok(i128::from(j) * 10 + i128::from(f))
}

/// Parse an amount as it appears in a form field: figures with a unit
/// (`500万元`, `500.00万元`, `5,000,000.00元`, `¥5,000,000.00`, `人民币500万元`)
/// or an uppercase amount (`伍佰万元整`). Returns 分.
///
/// A bare number without unit or `¥` is an error: `500` could be 元 or 万元.
pub fn parse_amount_text(input: &str) -> Result<AmountParse, AmountError> {
    let norm: String = input
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .map(unify_char)
        .collect();
    if norm.is_empty() {
        return Err(AmountError::Empty);
    }
    let is_figure_char = |c: char| {
        c.is_ascii_digit()
            || matches!(
                c,
                ',' | '.' | '¥' | '万' | '亿' | '元' | '圆' | '整' | '正' | '(' | ')' | ':'
            )
    };
    let core = strip_currency_words(&norm);
    if core.chars().all(is_figure_char) && core.chars().any(|c| c.is_ascii_digit()) {
        parse_figure(&norm)
    } else {
        parse_rmb_upper(input)
    }
}

fn strip_currency_words(s: &str) -> &str {
    let mut s = s;
    for p in ["人民币", "RMB", "CNY", ":"] {
        s = s.strip_prefix(p).unwrap_or(s);
    }
    for p in ["(人民币)", "人民币"] {
        s = s.strip_suffix(p).unwrap_or(s);
    }
    s
}

/// Figure amount with unit: see [`parse_amount_text`].
pub fn parse_figure(input: &str) -> Result<AmountParse, AmountError> {
    let norm: String = input
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .map(unify_char)
        .collect();
    let bad = || AmountError::BadFigure(norm.clone());
    let mut warnings = Vec::new();
    let mut s = strip_currency_words(&norm);
    let mut has_sign = false;
    if let Some(r) = s.strip_prefix('¥') {
        has_sign = true;
        s = r;
    }
    for z in ['整', '正'] {
        s = s.strip_suffix(z).unwrap_or(s);
    }
    let (num, mult, unit_ok) = if let Some(n) = s.strip_suffix("万元") {
        (n, 10_000i128, true)
    } else if let Some(n) = s.strip_suffix("亿元") {
        (n, 100_000_000, true)
    } else if let Some(n) = s.strip_suffix('元').or_else(|| s.strip_suffix('圆')) {
        (n, 1, true)
    } else if let Some(n) = s.strip_suffix('万') {
        warnings.push("“万”后缺少“元”".to_string());
        (n, 10_000, true)
    } else if let Some(n) = s.strip_suffix('亿') {
        warnings.push("“亿”后缺少“元”".to_string());
        (n, 100_000_000, true)
    } else {
        (s, 1, has_sign)
    };
    if num.is_empty() {
        return Err(if norm.is_empty() {
            AmountError::Empty
        } else {
            bad()
        });
    }
    if !num
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
    {
        return Err(bad());
    }
    if !unit_ok {
        return Err(AmountError::MissingUnit(norm.clone()));
    }
    let (int_part, frac) = match num.split_once('.') {
        Some((a, b)) => (a, b),
        None => (num, ""),
    };
    if int_part.is_empty()
        || frac.contains('.')
        || frac.contains(',')
        || (num.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    // Thousands separators must group by three (OCR swaps ',' and '.').
    if int_part.contains(',') {
        let groups: Vec<&str> = int_part.split(',').collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(AmountError::Malformed(format!(
                "千位分隔符位置错误：“{num}”"
            )));
        }
    }
    let digits: String = int_part.chars().filter(|c| *c != ',').collect();
    if digits.len() > 20 || frac.len() > 12 {
        return Err(AmountError::Overflow);
    }
    let int_v: i128 = digits.parse().map_err(|_| bad())?;
    let frac_v: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    // value in 分 = (int + frac/10^k) * mult * 100, exactly.
    let scale = 10i128.pow(frac.len() as u32);
    let numer = (int_v * scale + frac_v)
        .checked_mul(mult * 100)
        .ok_or(AmountError::Overflow)?;
    if numer % scale != 0 {
        return Err(AmountError::SubFen(norm.clone()));
    }
    let fen = i64::try_from(numer / scale).map_err(|_| AmountError::Overflow)?;
    Ok(AmountParse { fen, warnings })
}

/// Uppercase (大写) form of an amount in 分, conforming to 会计基础工作规范
/// 第52条: `壹佰元零伍分`, `伍拾万元整`, `壹元贰角整`. `None` for negative
/// amounts.
pub fn format_rmb_upper(fen: i64) -> Option<String> {
    if fen < 0 {
        return None;
    }
    const D: [char; 10] = UPPER_DIGITS;
    let yuan = fen / 100;
    let jiao = (fen / 10 % 10) as usize;
    let f = (fen % 10) as usize;
    let mut out = String::new();
    if yuan == 0 {
        if jiao == 0 && f == 0 {
            return Some("零元整".into());
        }
    } else {
        write_upper_int(yuan as u64, &mut out);
        out.push('元');
    }
    if jiao == 0 && f == 0 {
        out.push('整');
        return Some(out);
    }
    if jiao != 0 {
        out.push(D[jiao]);
        out.push('角');
    } else if yuan != 0 {
        out.push('零');
    }
    if f != 0 {
        out.push(D[f]);
        out.push('分');
    } else {
        out.push('整');
    }
    Some(out)
}

const UPPER_DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

fn write_upper_int(n: u64, out: &mut String) {
    if n >= 100_000_000 {
        write_upper_int(n / 100_000_000, out);
        out.push('亿');
        let r = n % 100_000_000;
        if r > 0 {
            if r < 10_000_000 {
                out.push('零');
            }
            write_upper_int(r, out);
        }
    } else if n >= 10_000 {
        write_upper_4(n / 10_000, out);
        out.push('万');
        let r = n % 10_000;
        if r > 0 {
            if r < 1000 {
                out.push('零');
            }
            write_upper_4(r, out);
        }
    } else {
        write_upper_4(n, out);
    }
}

/// 1..=9999 with internal 零.
fn write_upper_4(n: u64, out: &mut String) {
    const U: [&str; 4] = ["", "拾", "佰", "仟"];
    let mut started = false;
    let mut zero = false;
    for p in (0..4).rev() {
        let d = (n / 10u64.pow(p) % 10) as usize;
        if d == 0 {
            zero = started;
        } else {
            if zero {
                out.push('零');
            }
            zero = false;
            started = true;
            out.push(UPPER_DIGITS[d]);
            out.push_str(U[p as usize]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> AmountParse {
        parse_rmb_upper(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn basics() {
        assert_eq!(ok("壹拾亿零伍万元整").fen, 100_005_000_000);
        assert_eq!(ok("壹万亿元整").fen, 100_000_000_000_000);
        assert_eq!(ok("拾万元整").fen, 10_000_000);
        assert!(!ok("拾万元整").warnings.is_empty());
        assert_eq!(ok("壹拾万柒仟元零伍角叁分").fen, 10_700_053);
        assert!(ok("壹拾万柒仟元零伍角叁分").warnings.is_empty());
        assert!(ok("壹拾万柒仟元伍角叁分").warnings.is_empty());
        assert!(!ok("壹仟壹拾元整").warnings.is_empty());
        assert!(!ok("壹元伍分").warnings.is_empty());
        assert!(!ok("伍拾万元").warnings.is_empty());
        assert!(!ok("壹元伍分整").warnings.is_empty());
        assert!(ok("壹元贰角整").warnings.is_empty());
        assert!(!ok("两万元整").warnings.is_empty());
        assert!(!ok("人民币 伍拾万元整").warnings.is_empty());
    }

    #[test]
    fn errors() {
        for s in [
            "",
            "人民币",
            "伍拾万",
            "伍拾万整",
            "壹佰拾元整",
            "贰两元整",
            "壹元伍",
            "壹拾壹佰元",
            "壹万壹万元",
            "伍零元",
            "元整",
            "壹元整伍角",
            "角",
            "壹元元",
            "abc",
            "亿元",
            "壹亿亿元",
        ] {
            assert!(
                parse_rmb_upper(s).is_err(),
                "{s} should fail: {:?}",
                parse_rmb_upper(s)
            );
        }
        assert_eq!(
            ok("人民币伍拾万元整（小写：¥500,000.00元）").fen,
            50_000_000
        );
        assert!(matches!(
            parse_rmb_upper("叁拾万元整(¥300001.00)"),
            Err(AmountError::Mismatch { .. })
        ));
    }

    #[test]
    fn figures() {
        for (s, fen) in [
            ("500万元", 500_000_000),
            ("500.00万元", 500_000_000),
            ("5,000,000.00元", 500_000_000),
            ("¥5,000,000.00", 500_000_000),
            ("人民币500万元", 500_000_000),
            ("伍佰万元整", 500_000_000),
            ("500.123万元", 500_123_000),
            ("0.05元", 5),
            ("１００元", 10_000),
        ] {
            assert_eq!(parse_amount_text(s).map(|p| p.fen), Ok(fen), "{s}");
        }
        for s in [
            "500",
            "5,00,000元",
            "0.001元",
            "1..2元",
            ".5元",
            "元",
            "5.元",
        ] {
            assert!(parse_amount_text(s).is_err(), "{s}");
        }
    }

    #[test]
    fn formatter_roundtrip() {
        for fen in [
            0i64,
            5,
            50,
            110,
            1001,
            10005,
            100000,
            101000,
            1000500,
            10010000,
            123456789,
            1000050000,
            10000000010,
            100005000000,
            10700053,
            10000000000000,
            100_000_000_000_000,
        ] {
            let s = format_rmb_upper(fen).unwrap();
            let p = ok(&s);
            assert_eq!(p.fen, fen, "{s}");
            assert!(p.warnings.is_empty(), "{s}: {:?}", p.warnings);
        }
    }
}
