//! The QR code an authenticator app scans, drawn on the server as inline SVG: the
//! secret never goes to a third-party service, and the page needs no script or image
//! request to show it.

use qrcode::QrCode;
use qrcode::render::svg;

/// What the code says for screen readers; the secret is also on the page as text.
const LABEL: &str = "QR code for your authenticator app";

/// `text` as an SVG element to put inside the page.
pub fn qr_code_svg(text: &str) -> anyhow::Result<String> {
    let drawn = QrCode::new(text.as_bytes())
        .map_err(|e| anyhow::anyhow!("no QR code for the otpauth URL: {e}"))?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // The renderer writes a standalone document; inside a page the XML declaration has
    // no place, and the image needs a role and a name.
    let element = drawn
        .find("<svg")
        .map(|start| &drawn[start..])
        .ok_or_else(|| anyhow::anyhow!("the QR renderer wrote no <svg> element"))?;
    Ok(element.replacen(
        "<svg ",
        &format!(r#"<svg role="img" aria-label="{LABEL}" "#),
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_an_inline_svg_with_a_name() {
        let svg =
            qr_code_svg("otpauth://totp/Keycard:grace?secret=JBSWY3DPEHPK3PXP&issuer=Keycard")
                .unwrap();
        assert!(
            svg.starts_with(r#"<svg role="img" aria-label="QR code for your authenticator app" "#)
        );
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
    }
}
