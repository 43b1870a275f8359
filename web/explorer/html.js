// The explorer's view layer: Preact with htm templates, as plain ES modules (no build
// step). Whatever comes from the data is rendered through templates as text nodes:
// nothing is ever inserted as HTML.
import { h, render, Fragment } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);
export { render, Fragment, useCallback, useEffect, useMemo, useRef, useState };
