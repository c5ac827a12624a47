//! Terminal events (crossterm) turned into the app's messages; the only place that knows
//! crossterm's event types. Key releases are dropped (kitty protocol terminals send them).

use super::app::{Mouse, MouseKind, Msg};
use super::key::{Key, KeyCode};
use crossterm::event::{
    Event, KeyCode as CtCode, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

pub fn convert(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            let code = match k.code {
                CtCode::Char(c) => KeyCode::Char(c),
                CtCode::Enter => KeyCode::Enter,
                CtCode::Esc => KeyCode::Esc,
                CtCode::Tab => KeyCode::Tab,
                CtCode::BackTab => KeyCode::BackTab,
                CtCode::Backspace => KeyCode::Backspace,
                CtCode::Delete => KeyCode::Delete,
                CtCode::Up => KeyCode::Up,
                CtCode::Down => KeyCode::Down,
                CtCode::Left => KeyCode::Left,
                CtCode::Right => KeyCode::Right,
                CtCode::Home => KeyCode::Home,
                CtCode::End => KeyCode::End,
                CtCode::PageUp => KeyCode::PageUp,
                CtCode::PageDown => KeyCode::PageDown,
                CtCode::F(n) => KeyCode::F(n),
                _ => return None,
            };
            Some(Msg::Key(Key {
                code,
                ctrl: k.modifiers.contains(KeyModifiers::CONTROL),
                alt: k.modifiers.contains(KeyModifiers::ALT),
            }))
        }
        Event::Mouse(m) => {
            let kind = match m.kind {
                MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
                MouseEventKind::ScrollUp => MouseKind::ScrollUp,
                MouseEventKind::ScrollDown => MouseKind::ScrollDown,
                _ => return None,
            };
            Some(Msg::Mouse(Mouse {
                kind,
                x: m.column,
                y: m.row,
            }))
        }
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}
