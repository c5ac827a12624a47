//! `import contexta-py`: reads a workspace written by the reference Python package.
