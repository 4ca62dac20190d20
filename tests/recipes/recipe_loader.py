"""Loads a script of recipes/ as a module, so tests call its main(args) in-process."""
import importlib.util
import os

RECIPES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "recipes")


def load_recipe(name):
    spec = importlib.util.spec_from_file_location("recipe_" + name, os.path.join(RECIPES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
