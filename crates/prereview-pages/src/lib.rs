//! The pages of a scanned attachment. Scanners and fax gateways write several
//! pages into one TIFF file; image decoders read its first page only. Here a
//! TIFF's pages are found by walking its chain of image directories (no pixel
//! is decoded), and page *n* is made readable by any decoder by pointing the
//! file's header at its directory: strips and tiles are addressed by absolute
//! offsets, so nothing else changes.
//!
//! Classic TIFF, either byte order. BigTIFF (files over 4 GiB) is not a TIFF
//! here: the image decoders used do not read it either.

use std::borrow::Cow;

/// Why a TIFF's pages cannot be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagesError {
    /// A directory offset points outside the file, or the chain loops.
    #[error("the TIFF file's page directory {page} is damaged (offset {offset} in a file of {len} bytes)")]
    Damaged {
        page: usize,
        offset: u64,
        len: usize,
    },
    /// More pages than allowed.
    #[error("the TIFF file has more than {limit} pages")]
    TooManyPages { limit: usize },
    /// The page asked for does not exist.
    #[error("the TIFF file has {pages} page(s), not {page}")]
    NoSuchPage { page: usize, pages: usize },
}

#[derive(Clone, Copy)]
struct Layout {
    little: bool,
}

impl Layout {
    fn of(bytes: &[u8]) -> Option<Layout> {
        let little = match bytes.get(..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let magic = Self::read(little, bytes, 2, 2)?;
        (magic == 42).then_some(Layout { little })
    }

    fn read(little: bool, bytes: &[u8], at: u64, n: usize) -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let b = bytes.get(at..at.checked_add(n)?)?;
        let mut v = 0u64;
        for i in 0..n {
            let byte = if little { b[n - 1 - i] } else { b[i] };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    }

    /// Size of an offset.
    const OFFSET: usize = 4;
    /// Where the header holds the first directory's offset.
    const FIRST_AT: u64 = 4;

    /// The offset of the directory after the one at `ifd` (a directory is a
    /// 2-byte entry count, 12-byte entries, then the next one's offset).
    fn next(self, bytes: &[u8], ifd: u64) -> Option<u64> {
        let count = Self::read(self.little, bytes, ifd, 2)?;
        let at = ifd.checked_add(2)?.checked_add(count.checked_mul(12)?)?;
        Self::read(self.little, bytes, at, Self::OFFSET)
    }
}

/// Whether the bytes are a (classic) TIFF file.
pub fn is_tiff(bytes: &[u8]) -> bool {
    Layout::of(bytes).is_some()
}

/// The offsets of a TIFF's page directories, in order, at most `limit` of
/// them; `None` when the bytes are not a TIFF.
pub fn tiff_page_offsets(bytes: &[u8], limit: usize) -> Option<Result<Vec<u64>, PagesError>> {
    let layout = Layout::of(bytes)?;
    Some(walk(bytes, layout, limit).and_then(|(offsets, more)| {
        if more {
            Err(PagesError::TooManyPages { limit })
        } else {
            Ok(offsets)
        }
    }))
}

/// The first `max` directory offsets, and whether more follow. Loops and
/// offsets outside the file are errors; nothing past `max` is read.
fn walk(bytes: &[u8], layout: Layout, max: usize) -> Result<(Vec<u64>, bool), PagesError> {
    let damaged = |page: usize, offset: u64| PagesError::Damaged {
        page,
        offset,
        len: bytes.len(),
    };
    let mut offsets: Vec<u64> = Vec::new();
    let mut ifd = Layout::read(layout.little, bytes, Layout::FIRST_AT, Layout::OFFSET)
        .ok_or_else(|| damaged(1, Layout::FIRST_AT))?;
    while ifd != 0 {
        let page = offsets.len() + 1;
        if offsets.len() == max {
            return Ok((offsets, true));
        }
        if offsets.contains(&ifd) {
            return Err(damaged(page, ifd));
        }
        let next = layout.next(bytes, ifd).ok_or_else(|| damaged(page, ifd))?;
        offsets.push(ifd);
        ifd = next;
    }
    if offsets.is_empty() {
        return Err(damaged(1, 0));
    }
    Ok((offsets, false))
}

/// Whether the bytes are a TIFF of more than one page (only the first two
/// directories are looked at).
pub fn is_multi_page_tiff(bytes: &[u8]) -> bool {
    Layout::of(bytes).is_some_and(|layout| walk(bytes, layout, 1).is_ok_and(|(_, more)| more))
}

/// Page `page` (1-based) of a file as bytes any image decoder reads as its
/// first image: for page 1, or a file that is not a TIFF, the bytes
/// themselves; for a later page of a TIFF, a copy whose header points at that
/// page's directory.
pub fn page_bytes(bytes: &[u8], page: usize) -> Result<Cow<'_, [u8]>, PagesError> {
    let Some(layout) = Layout::of(bytes) else {
        return Ok(Cow::Borrowed(bytes));
    };
    if page <= 1 {
        return Ok(Cow::Borrowed(bytes));
    }
    let (offsets, _) = walk(bytes, layout, page)?;
    let Some(&ifd) = offsets.get(page - 1) else {
        return Err(PagesError::NoSuchPage {
            page,
            pages: offsets.len(),
        });
    };
    let mut out = bytes.to_vec();
    let at = Layout::FIRST_AT as usize;
    let ifd = ifd as u32;
    out[at..at + Layout::OFFSET].copy_from_slice(&if layout.little {
        ifd.to_le_bytes()
    } else {
        ifd.to_be_bytes()
    });
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GenericImageView;
    use tiff::encoder::{colortype, TiffEncoder};

    /// A TIFF of `pages` grey pages of different sizes, page i filled with 40·i.
    fn tiff_of(pages: u8) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut e = TiffEncoder::new(&mut out).unwrap();
        for i in 1..=pages {
            let (w, h) = (10 + u32::from(i), 7 + u32::from(i));
            let data = vec![40 * i; (w * h) as usize];
            e.write_image::<colortype::Gray8>(w, h, &data).unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn every_page_of_a_multi_page_tiff_decodes_as_itself() {
        let file = tiff_of(3);
        assert!(is_tiff(&file));
        let offsets = tiff_page_offsets(&file, 50).unwrap().unwrap();
        assert_eq!(offsets.len(), 3);
        assert!(is_multi_page_tiff(&file));
        assert!(!is_multi_page_tiff(&tiff_of(1)));
        for page in 1..=3u8 {
            let bytes = page_bytes(&file, page as usize).unwrap();
            let img = image::load_from_memory(&bytes).unwrap();
            assert_eq!(
                img.dimensions(),
                (10 + u32::from(page), 7 + u32::from(page))
            );
            assert_eq!(img.to_luma8().get_pixel(3, 3).0, [40 * page]);
        }
        assert_eq!(
            page_bytes(&file, 4).unwrap_err(),
            PagesError::NoSuchPage { page: 4, pages: 3 }
        );
        assert_eq!(
            tiff_page_offsets(&file, 2).unwrap().unwrap_err(),
            PagesError::TooManyPages { limit: 2 }
        );
    }

    #[test]
    fn other_files_are_left_alone_and_damage_is_an_error() {
        let png = b"\x89PNG\r\n\x1a\n rest";
        assert!(!is_tiff(png));
        assert!(tiff_page_offsets(png, 50).is_none());
        assert!(matches!(page_bytes(png, 2).unwrap(), Cow::Borrowed(_)));

        let mut file = tiff_of(2);
        // Point the first page's "next" offset back at itself: a loop.
        let first = tiff_page_offsets(&file, 50).unwrap().unwrap()[0] as usize;
        let count = u16::from_le_bytes([file[first], file[first + 1]]) as usize;
        let next_at = first + 2 + 12 * count;
        file[next_at..next_at + 4].copy_from_slice(&(first as u32).to_le_bytes());
        assert!(matches!(
            tiff_page_offsets(&file, 50).unwrap().unwrap_err(),
            PagesError::Damaged { page: 2, .. }
        ));
        // A header pointing past the end.
        let mut cut = tiff_of(1);
        cut.truncate(16);
        assert!(matches!(
            tiff_page_offsets(&cut, 50).unwrap().unwrap_err(),
            PagesError::Damaged { page: 1, .. }
        ));
    }
}
