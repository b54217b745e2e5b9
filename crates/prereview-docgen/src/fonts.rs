//! The CJK fonts the generator draws with, loaded once from the Debian font packages.

use crate::Error;
use ab_glyph::FontRef;
use std::sync::OnceLock;

/// One installed font face (a member of a `.ttc` collection).
pub struct Face {
    /// Human name, recorded in truth files (`Noto Serif CJK SC`).
    pub name: &'static str,
    /// Broad style, so layouts can pick a 宋体-like face for body text and a 黑体 for titles.
    pub style: FaceStyle,
    pub font: FontRef<'static>,
}

/// The look of a face, used to choose fonts per document part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceStyle {
    /// 黑体 (sans serif).
    Sans,
    /// 宋体 / 明体 (serif).
    Serif,
    /// 楷体 (brush script).
    Kai,
}

struct Candidate {
    path: &'static str,
    index: u32,
    name: &'static str,
    style: FaceStyle,
    package: &'static str,
}

/// Fonts tried, in a fixed order (determinism depends on it). The first one is the
/// fallback for characters another face lacks, so it must be present.
const CANDIDATES: &[Candidate] = &[
    Candidate {
        path: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        index: 2,
        name: "Noto Sans CJK SC",
        style: FaceStyle::Sans,
        package: "fonts-noto-cjk",
    },
    Candidate {
        path: "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        index: 2,
        name: "Noto Serif CJK SC",
        style: FaceStyle::Serif,
        package: "fonts-noto-cjk",
    },
    Candidate {
        path: "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        index: 2,
        name: "Noto Sans CJK SC Bold",
        style: FaceStyle::Sans,
        package: "fonts-noto-cjk",
    },
    Candidate {
        path: "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        index: 0,
        name: "WenQuanYi Zen Hei",
        style: FaceStyle::Sans,
        package: "fonts-wqy-zenhei",
    },
    Candidate {
        path: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        index: 0,
        name: "WenQuanYi Micro Hei",
        style: FaceStyle::Sans,
        package: "fonts-wqy-microhei",
    },
    Candidate {
        path: "/usr/share/fonts/truetype/arphic/ukai.ttc",
        index: 0,
        name: "AR PL UKai CN",
        style: FaceStyle::Kai,
        package: "fonts-arphic-ukai",
    },
    Candidate {
        path: "/usr/share/fonts/truetype/arphic/uming.ttc",
        index: 0,
        name: "AR PL UMing CN",
        style: FaceStyle::Serif,
        package: "fonts-arphic-uming",
    },
];

/// The Debian packages that provide every font the generator uses.
pub const APT_PACKAGES: &[&str] = &[
    "fonts-noto-cjk",
    "fonts-wqy-zenhei",
    "fonts-wqy-microhei",
    "fonts-arphic-ukai",
    "fonts-arphic-uming",
];

/// All faces, in [`CANDIDATES`] order. All must be installed: a generator that
/// silently used fewer fonts on one machine would produce different files.
pub struct Fonts {
    pub faces: Vec<Face>,
}

impl Fonts {
    /// The fallback face (Noto Sans CJK SC), which covers every character used.
    pub fn fallback(&self) -> &Face {
        &self.faces[0]
    }

    /// Faces of one style.
    pub fn of_style(&self, style: FaceStyle) -> Vec<&Face> {
        self.faces.iter().filter(|f| f.style == style).collect()
    }
}

static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();

/// Loads the fonts (once per process).
pub fn fonts() -> Result<&'static Fonts, Error> {
    FONTS
        .get_or_init(load)
        .as_ref()
        .map_err(|m| Error::Fonts(m.clone()))
}

fn load() -> Result<Fonts, String> {
    let mut faces = Vec::new();
    for c in CANDIDATES {
        let bytes = std::fs::read(c.path).map_err(|e| {
            format!(
                "cannot read font {} ({e}); install the Debian package {}",
                c.path, c.package
            )
        })?;
        // Fonts live for the whole process; leaking keeps FontRef borrow-free.
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        let font = FontRef::try_from_slice_and_index(bytes, c.index)
            .map_err(|e| format!("font {} (face {}) is not usable: {e}", c.path, c.index))?;
        faces.push(Face {
            name: c.name,
            style: c.style,
            font,
        });
    }
    Ok(Fonts { faces })
}
