"""The grid pattern: drawing it on a pattern board (fieldset.pattern) with the pointer or the keyboard."""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

PATTERN = [1, 2, 3, 6, 5, 4, 7]  # on the 3×3 grid: a "Z" of neighbouring dots, so a straight drag crosses no other dot
WRONG_PATTERN = [1, 2, 3, 6, 9]


def pattern_board(ui, field):
    """The fieldset.pattern whose typed field is #field, and its dots by number."""
    fieldset = ui.wait_el(f'fieldset.pattern[data-field="{field}"]')
    dots = {int(b.get_dom_attribute("data-dot")): b for b in fieldset.find_elements(By.CSS_SELECTOR, ".dot[data-dot]")}
    return fieldset, dots


def check_grid_layout(dots, size=3):
    """The dots must be laid out as a size×size grid (rows left to right, top to bottom)."""
    assert sorted(dots) == list(range(1, size * size + 1)), sorted(dots)
    centers = {n: (d.rect["x"] + d.rect["width"] / 2, d.rect["y"] + d.rect["height"] / 2) for n, d in dots.items()}
    for n, (x, y) in centers.items():
        row, col = (n - 1) // size, (n - 1) % size
        first_in_row, first_in_col = centers[row * size + 1], centers[col + 1]
        assert abs(y - first_in_row[1]) < 2, f"dot {n} is not on the row of dot {row * size + 1}: {centers}"
        assert abs(x - first_in_col[0]) < 2, f"dot {n} is not in the column of dot {col + 1}: {centers}"
        if col:
            assert x > centers[n - 1][0] + 10, f"dot {n} is not right of dot {n - 1}: {centers}"
        if row:
            assert y > centers[n - size][1] + 10, f"dot {n} is not below dot {n - size}: {centers}"


def draw(ui, field, pattern):
    """Draws with the pointer: press on the first dot, move over the others in turn, release."""
    fieldset, dots = pattern_board(ui, field)
    check_grid_layout(dots)
    actions = ActionChains(ui.d, duration=60)
    actions.move_to_element(dots[pattern[0]]).click_and_hold()
    for n in pattern[1:]:
        actions.move_to_element(dots[n])
    actions.release().perform()
    drawn = ui.find(f"#{field}").get_attribute("value")
    assert drawn == "-".join(map(str, pattern)), f"drew {pattern}, the form holds {drawn!r}"
    pressed = sorted(int(d.get_dom_attribute("data-dot")) for d in fieldset.find_elements(By.CSS_SELECTOR, '.dot[aria-pressed="true"]'))
    assert pressed == sorted(pattern), f"aria-pressed dots {pressed} for the pattern {pattern}"
    status = fieldset.find_element(By.CSS_SELECTOR, ".pattern-status").text
    assert f"{len(pattern)} dots joined" in status, status


def draw_with_keyboard(ui, field, pattern, size=3):
    """Focus the first dot, then arrow keys to the next dot and Space to join it."""
    fieldset, dots = pattern_board(ui, field)
    ui.d.execute_script("arguments[0].focus()", dots[pattern[0]])
    keys = ActionChains(ui.d).send_keys(Keys.SPACE)
    at = pattern[0]
    for n in pattern[1:]:
        dr, dc = (n - 1) // size - (at - 1) // size, (n - 1) % size - (at - 1) % size
        assert abs(dr) + abs(dc) == 1, "keyboard drawing here moves between neighbouring dots only"
        keys.send_keys({(0, 1): Keys.ARROW_RIGHT, (0, -1): Keys.ARROW_LEFT, (1, 0): Keys.ARROW_DOWN, (-1, 0): Keys.ARROW_UP}[(dr, dc)])
        keys.send_keys(Keys.SPACE)
        at = n
    keys.perform()
    drawn = ui.find(f"#{field}").get_attribute("value")
    assert drawn == "-".join(map(str, pattern)), f"typed {pattern} with the keyboard, the form holds {drawn!r}"
